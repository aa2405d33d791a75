package dev.kvstore.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Debian's redis-benchmark, an independent load tool, run against any RESP port: SET and GET of
 * 100-byte values on random keys, 50 clients, a given pipeline depth.
 */
final class RedisBenchmarkTool {

    /** One line of its CSV output. */
    record Row(String test, double requestsPerSecond, double p50Millis, double p99Millis) {
    }

    private RedisBenchmarkTool() {
    }

    static List<Row> run(int port, int clients, int pipeline, int requests) throws IOException, InterruptedException {
        return run(port, clients, pipeline, requests, "set,get", List.of());
    }

    /**
     * @param tests redis-benchmark's {@code -t}
     * @param extra further arguments: {@code --tls --cacert <file>} for a TLS port
     */
    static List<Row> run(int port, int clients, int pipeline, int requests, String tests, List<String> extra)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Bench.which("redis-benchmark"), "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-t", tests, "-d", "100", "-r", "100000", "-c", Integer.toString(clients), "-n",
                Integer.toString(requests), "-P", Integer.toString(pipeline), "--csv"));
        command.addAll(extra);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + output);
        }
        return parseCsv(output);
    }

    /**
     * Parses {@code "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
     * "p99_latency_ms","max_latency_ms"} lines (redis-benchmark 7); other lines are ignored.
     */
    static List<Row> parseCsv(String output) {
        List<Row> rows = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] cells = line.trim().replace("\"", "").split(",");
            if (cells.length < 7 || cells[0].equals("test")) {
                continue;
            }
            try {
                rows.add(new Row(cells[0].toUpperCase(Locale.ROOT), Double.parseDouble(cells[1]),
                        Double.parseDouble(cells[4]), Double.parseDouble(cells[6])));
            } catch (NumberFormatException notARow) {
                // a progress or warning line
            }
        }
        return rows;
    }
}
