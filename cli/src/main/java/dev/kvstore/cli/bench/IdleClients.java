package dev.kvstore.cli.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Idle client connections held by a process of their own, so that holding them costs the benchmark's
 * load generator nothing: opens them, prints {@code open N}, and keeps them until its input closes.
 */
public final class IdleClients {

    public static void main(String[] args) throws IOException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        List<Socket> sockets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sockets.add(new Socket(host, port));
        }
        System.out.println("open " + sockets.size());
        System.out.flush();
        while (System.in.read() >= 0) {
            // held until the benchmark closes our input (or exits)
        }
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    /** Starts the holder as a child JVM on this one's class path and waits until it holds them all. */
    static Process hold(String host, int port, int count) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath;
        try {
            classPath = Path.of(IdleClients.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        Process process = new ProcessBuilder(java, "-cp", classPath, IdleClients.class.getName(), host,
                Integer.toString(port), Integer.toString(count)).redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        String line = out.readLine();
        if (line == null || !line.equals("open " + count)) {
            process.destroyForcibly();
            throw new IOException("the idle-connection holder said: " + line);
        }
        return process;
    }
}
