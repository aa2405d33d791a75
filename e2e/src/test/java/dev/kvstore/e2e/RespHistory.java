package dev.kvstore.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The history the in-cluster history clients recorded, read from their log, as the linearizability checker
 * (hack/lincheck) takes it: one JSON object a line with the client, the operation, its key and value, when it was
 * called and returned (nanoseconds of the pod's clock), and how it ended. Pure.
 *
 * <p>How a redis-cli call ended, from what it printed: {@code OK} for a SET and an integer for an APPEND or INCR
 * is "ok"; nothing at all (killed by {@code timeout}), a connection broken after the command went out
 * ({@code Error: ...}), or a refusal that says the write may or may not survive is "unknown" (it may take effect
 * at any later time, or never); a connection never made ({@code Could not connect}) and the store's refusals
 * before its log (READONLY, TRYAGAIN, NOREPLICAS, ...) are "fail". These are the store's words for a refusal,
 * as the store-process tier's {@code Outcomes} (cli tests) reads them from Jedis. After an unknown call a client
 * goes on under a new name: the checker holds each client's calls to one at a time, and an unknown one may still
 * be in flight.
 */
final class RespHistory {

    /** One call. {@code result}: APPEND's new length, INCR's new value; null otherwise. */
    record Op(String client, String op, String key, String value, String result, long callNanos, long returnNanos,
              String outcome) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private RespHistory() {
    }

    static List<Op> parse(String log) {
        List<Op> ops = new ArrayList<>();
        Map<String, Integer> generations = new HashMap<>();
        for (String line : log.split("\n")) {
            String[] parts = line.strip().split(" ", 8);
            if (parts.length < 7 || !parts[0].equals("H")) {
                continue; // the shell's own lines
            }
            String id = parts[1];
            String op = parts[2];
            String reply = parts.length == 8 ? parts[7].strip() : "";
            String outcome = outcomeOf(op, reply);
            int generation = generations.getOrDefault(id, 0);
            String result = outcome.equals("ok") && !op.equals("put") ? reply : null;
            ops.add(new Op(id + "#" + generation, op, parts[3], op.equals("incr") ? null : parts[4], result,
                    Long.parseLong(parts[5]) * 1000, Long.parseLong(parts[6]) * 1000, outcome));
            if (outcome.equals("unknown")) {
                generations.put(id, generation + 1);
            }
        }
        return ops;
    }

    static String outcomeOf(String op, String reply) {
        if (op.equals("put") ? reply.equals("OK") : reply.matches("-?[0-9]+")) {
            return "ok";
        }
        if (reply.isEmpty()) {
            return "unknown"; // timed out: nothing heard
        }
        if (reply.startsWith("Could not connect")) {
            return "fail"; // the command never went out
        }
        if (reply.contains("may or may not") || reply.contains("cannot make writes durable")) {
            return "unknown"; // in the log when its primary stepped down, or when the log failed
        }
        return switch (reply.split(" ", 2)[0]) {
            case "READONLY", "TRYAGAIN", "NOREPLICAS", "OOM", "MISCONF", "NOAUTH", "NOPERM", "WRONGTYPE" -> "fail";
            default -> "unknown"; // Error: Connection reset by peer, Server closed the connection, anything unexpected
        };
    }

    static String toJsonLines(List<Op> ops) {
        StringBuilder lines = new StringBuilder();
        for (Op op : ops) {
            ObjectNode record = JSON.createObjectNode().put("client", op.client()).put("op", op.op()).put("key", op.key())
                    .put("call", op.callNanos()).put("return", op.returnNanos()).put("outcome", op.outcome());
            if (op.value() != null) {
                record.put("value", op.value());
            }
            if (op.result() != null) {
                record.put("result", op.result());
            }
            lines.append(record).append('\n');
        }
        return lines.toString();
    }
}
