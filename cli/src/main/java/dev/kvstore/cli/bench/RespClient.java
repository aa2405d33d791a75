package dev.kvstore.cli.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal Redis (RESP2) client over one blocking socket, for the side-by-side benchmark. */
final class RespClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RespClient(String host, int port) throws IOException {
        this(new Socket(host, port));
    }

    /** Over TLS, trusting what {@code tls} trusts; the handshake is done before the first command. */
    RespClient(String host, int port, javax.net.ssl.SSLContext tls) throws IOException {
        this(handshaken((javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(host, port)));
    }

    private static Socket handshaken(javax.net.ssl.SSLSocket socket) throws IOException {
        socket.setSoTimeout(30_000);
        socket.startHandshake();
        return socket;
    }

    private RespClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    }

    /** Sends several commands in one write and returns the replies (pipelining). */
    String[] call(byte[]... commands) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] command : commands) {
            all.write(command);
        }
        out.write(all.toByteArray());
        out.flush();
        String[] replies = new String[commands.length];
        for (int i = 0; i < commands.length; i++) {
            replies[i] = readReply();
        }
        return replies;
    }

    static byte[] command(Object... parts) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        buffer.writeBytes(("*" + parts.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object part : parts) {
            byte[] bytes = part instanceof byte[] b ? b : part.toString().getBytes(StandardCharsets.UTF_8);
            buffer.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            buffer.writeBytes(bytes);
            buffer.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return buffer.toByteArray();
    }

    private String readReply() throws IOException {
        int type = in.read();
        String line = readLine();
        switch (type) {
            case '+', ':' -> {
                return line;
            }
            case '-' -> throw new IOException("redis error: " + line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length + 2);
                return new String(data, 0, length, StandardCharsets.UTF_8);
            }
            default -> throw new IOException("unexpected reply type " + (char) type + line);
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(32);
        int c;
        while ((c = in.read()) >= 0 && c != '\r') {
            line.append((char) c);
        }
        in.read(); // '\n'
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
