package dev.kvstore.operator;

import dev.kvstore.cli.client.KvClient;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for this tier's own calls to the stores (by pod IP, of clusters whose CA the test does not pin):
 * any server certificate is taken, as the kubelet takes it for an HTTPS probe. What the stores' TLS
 * refuses (another CA, plain TCP, an expired certificate) is proven where clients check it: TlsIT and
 * the end-to-end suite; here it is the operator's work that is under test.
 */
final class AnyServerTls {

    private static final SSLContext CONTEXT = context();

    private AnyServerTls() {
    }

    static SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[]{new TakesAnyServer()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client of the stores at {@code urls}, http or https (a cluster with TLS answers https alone). */
    static KvClient kv(List<String> urls, Duration timeout) {
        return new KvClient(urls, timeout).withTls(CONTEXT);
    }

    private static final class TakesAnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
