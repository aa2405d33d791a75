package dev.kvstore.operator.resources;

import dev.kvstore.core.tls.CertificateAuthority;
import java.util.List;

/**
 * The cluster's CAs at one moment: the one that signs the certificates issued now (the stores', the
 * operator's) and the ones every party trusts (one; two while the CA is rotated, {@link CaRotationPlan}).
 */
public record CaInUse(CertificateAuthority signer, List<CertificateAuthority> trusted) {

    public CaInUse {
        trusted = List.copyOf(trusted);
        if (trusted.stream().noneMatch(ca -> ca.certificatePem().equals(signer.certificatePem()))) {
            throw new IllegalArgumentException("the CA that signs must be among those trusted");
        }
    }

    /** One CA that signs and alone is trusted: a cluster with no rotation under way. */
    public static CaInUse of(CertificateAuthority ca) {
        return new CaInUse(ca, List.of(ca));
    }

    /** The trusted CAs' certificates, one after the other (the stores' ca.crt, the first part of the clients' bundle). */
    public String trustPem() {
        return ClusterCertificates.joinPems(trusted.stream().map(CertificateAuthority::certificatePem).toList());
    }
}
