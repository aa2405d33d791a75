package dev.kvstore.core.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * A certificate authority of one cluster: an ECDSA P-256 key and its self-signed certificate, which
 * issues the certificates of the cluster's stores (server and client at once: a store is a server
 * to its clients and a client of its primary) and of whoever calls their admin port. The operator
 * keeps one per cluster in the Secret {@code <name>-ca}; {@code kv local --tls} keeps one in its
 * directory. Certificates and keys travel as PEM, the {@code kubernetes.io/tls} shape.
 */
public final class CertificateAuthority {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Clocks of the machines of one cluster differ a little: a new certificate is valid a bit before now. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** A new CA valid from now for {@code validity}. */
    public static CertificateAuthority create(String commonName, Instant now, Duration validity) {
        KeyPair pair = newKeyPair();
        X500Name subject = name(commonName);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a CA certificate: " + e.getMessage(), e);
        }
    }

    /** The CA kept as PEM (its certificate and its PKCS#8 key), as {@link #certificatePem()} and {@link #keyPem()} wrote them. */
    public static CertificateAuthority fromPem(String certificatePem, String keyPem) {
        return new CertificateAuthority(Pem.certificate(certificatePem), Pem.privateKey(keyPem));
    }

    /**
     * A certificate for TLS servers and clients alike, signed by this CA.
     *
     * @param commonName the subject's CN: a store's name, or the name the admin port accepts
     * @param dnsNames and {@code ipAddresses}: the names a client may reach it by (empty for a client only)
     */
    public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses, Instant now,
                        Duration validity) {
        KeyPair pair = newKeyPair();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), name(commonName), pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
            ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509Certificate issued = sign(builder, key);
            return new Issued(Pem.of(issued), Pem.of(pair.getPrivate()), issued.getNotAfter().toInstant());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName + ": " + e.getMessage(), e);
        }
    }

    public String certificatePem() {
        return Pem.of(certificate);
    }

    public String keyPem() {
        return Pem.of(key);
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** The CA's subject, as RFC 2253 writes it (CN=...). */
    public String subject() {
        return certificate.getSubjectX500Principal().getName();
    }

    /** A certificate and its key, as PEM; {@code notAfter} says when to have renewed it. */
    public record Issued(String certificatePem, String keyPem, Instant notAfter) {
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no ECDSA P-256 in this JDK: " + e.getMessage(), e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial() {
        // positive, 127 bits of randomness: unique without a counter to keep
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
            X509CertificateHolder holder = builder.build(contentSigner);
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** PEM in and out: certificates, and private keys as PKCS#8 ("PRIVATE KEY", what Vert.x and OpenSSL read). */
    public static final class Pem {

        private Pem() {
        }

        public static String of(Object certificateOrKey) {
            StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                if (certificateOrKey instanceof PrivateKey privateKey) {
                    writer.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(privateKey, null));
                } else {
                    writer.writeObject(certificateOrKey);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        }

        public static X509Certificate certificate(String pem) {
            List<X509Certificate> all = certificates(pem);
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no certificate in the PEM given");
            }
            return all.get(0);
        }

        /** Every certificate in a PEM text (a chain, or a bundle of CAs). */
        public static List<X509Certificate> certificates(String pem) {
            List<X509Certificate> all = new ArrayList<>();
            try (PEMParser parser = new PEMParser(new StringReader(pem))) {
                for (Object read = parser.readObject(); read != null; read = parser.readObject()) {
                    if (read instanceof X509CertificateHolder holder) {
                        all.add(new JcaX509CertificateConverter().getCertificate(holder));
                    }
                }
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("unreadable certificate PEM: " + e.getMessage(), e);
            }
            return all;
        }

        /**
         * Whether the key is the private half of the certificate's public key (a signature made with one
         * checks with the other): a pair caught halfway through a renewal's writes is not.
         */
        public static boolean keyBelongsTo(X509Certificate certificate, PrivateKey key) {
            byte[] probe = "kv-tls-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String algorithm = switch (key.getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                // Ed25519 and others: signed with the key's own algorithm; the callers say which ones TLS here takes
                default -> key.getAlgorithm();
            };
            try {
                java.security.Signature signer = java.security.Signature.getInstance(algorithm);
                signer.initSign(key);
                signer.update(probe);
                byte[] signed = signer.sign();
                java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
                verifier.initVerify(certificate.getPublicKey());
                verifier.update(probe);
                return verifier.verify(signed);
            } catch (GeneralSecurityException e) {
                // a key of another algorithm than the certificate's, or one this JDK cannot use
                return false;
            }
        }

        public static PrivateKey privateKey(String pem) {
            try (PEMParser parser = new PEMParser(new StringReader(pem))) {
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                // the first key: OpenSSL's EC keys may come after an "EC PARAMETERS" block
                for (Object read = parser.readObject(); read != null; read = parser.readObject()) {
                    if (read instanceof PrivateKeyInfo info) {
                        return converter.getPrivateKey(info);
                    }
                    if (read instanceof org.bouncycastle.openssl.PEMKeyPair keyPair) {
                        return converter.getPrivateKey(keyPair.getPrivateKeyInfo()); // a SEC1 key may omit its public half
                    }
                }
                throw new IllegalArgumentException("no private key in the PEM given");
            } catch (IOException e) {
                throw new IllegalArgumentException("unreadable private key PEM: " + e.getMessage(), e);
            }
        }
    }
}
