package dev.kvstore.cli.resp;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA of the user's, not the store's: RSA keys written as cert-manager writes them by default
 * ({@code kubernetes.io/tls}: {@code tls.crt} the leaf then the intermediate, {@code tls.key} PKCS#1,
 * {@code ca.crt} the root), so that the stores are tested with what users bring, not with what
 * {@link dev.kvstore.core.tls.CertificateAuthority} makes.
 */
final class UserCertificates {

    private final KeyPair rootKeys;
    private final X509Certificate root;
    private final KeyPair intermediateKeys;
    private final X509Certificate intermediate;

    private UserCertificates(KeyPair rootKeys, X509Certificate root, KeyPair intermediateKeys, X509Certificate intermediate) {
        this.rootKeys = rootKeys;
        this.root = root;
        this.intermediateKeys = intermediateKeys;
        this.intermediate = intermediate;
    }

    static UserCertificates create(String name) throws Exception {
        KeyPair rootKeys = rsa();
        X509Certificate root = sign(new X500Name("CN=" + name + " root"), rootKeys, new X500Name("CN=" + name + " root"),
                rootKeys, true, List.of(), List.of());
        KeyPair intermediateKeys = rsa();
        X509Certificate intermediate = sign(new X500Name("CN=" + name + " intermediate"), intermediateKeys,
                new X500Name("CN=" + name + " root"), rootKeys, true, List.of(), List.of());
        return new UserCertificates(rootKeys, root, intermediateKeys, intermediate);
    }

    String rootPem() throws IOException {
        return pem(root);
    }

    /** Writes a new leaf for these names into {@code dir} as the kubelet shows a Secret; answers its serial. */
    BigInteger issueInto(Path dir, List<String> dnsNames, List<String> ips) throws Exception {
        KeyPair keys = rsa();
        X509Certificate leaf = sign(new X500Name("CN=kv-clients"), keys, new X500Name("CN=" + commonName(intermediate)),
                intermediateKeys, false, dnsNames, ips);
        Files.createDirectories(dir);
        // the key first: a reader between the two writes sees a pair that does not match, and keeps the old one
        Files.writeString(dir.resolve("tls.key"), pem(keys));
        Files.writeString(dir.resolve("tls.crt"), pem(leaf) + pem(intermediate));
        Files.writeString(dir.resolve("ca.crt"), pem(root));
        return leaf.getSerialNumber();
    }

    private static String commonName(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName().substring("CN=".length());
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                        boolean ca, List<String> dnsNames, List<String> ips) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(30))), subject,
                subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        if (!names.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
    }

    /** PEM as cert-manager writes it: certificates, and RSA keys as PKCS#1 ("RSA PRIVATE KEY"). */
    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
