package dev.kvstore.cli.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal keep-alive HTTP/1.1 client over one blocking socket, so that the load generator spends
 * as little CPU per request as the Redis client beside it does (both share the machine with the
 * servers). Understands only Content-Length bodies, which is all the store sends.
 */
final class RawHttpClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;
    /** An Authorization header line sent with every request, or empty. */
    private final String authorization;

    RawHttpClient(String host, int port) throws IOException {
        this(host, port, null);
    }

    /** @param basicCredentials "user:password" sent as HTTP Basic with every request; null: none */
    RawHttpClient(String host, int port, String basicCredentials) throws IOException {
        this.authorization = basicCredentials == null ? "" : "Authorization: Basic " + java.util.Base64.getEncoder()
                .encodeToString(basicCredentials.getBytes(StandardCharsets.UTF_8)) + "\r\n";
        this.socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.host = host + ":" + port;
    }

    /** Sends one request and returns the status code; the body is read and dropped. */
    int request(String method, String path, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(128).append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\n").append(authorization);
        if (body != null) {
            head.append("Content-Type: application/octet-stream\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) {
            out.write(headBytes);
        } else {
            byte[] all = new byte[headBytes.length + body.length];
            System.arraycopy(headBytes, 0, all, 0, headBytes.length);
            System.arraycopy(body, 0, all, headBytes.length, body.length);
            out.write(all);
        }
        out.flush();
        String status = readLine();
        if (status == null || status.length() < 12) {
            throw new IOException("bad status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        int length = 0;
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        long skipped = 0;
        while (skipped < length) {
            long n = in.skip(length - skipped);
            if (n <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed mid-body");
                }
                n = 1;
            }
            skipped += n;
        }
        return code;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
