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
 * <p>Each call's log line ends with what redis-cli printed (its lines joined by '|') and its exit status
 * ({@code rc=124}: killed by {@code timeout}). The reply is the last line that is not empty (in raw mode an error
 * reply is followed by an empty line); an empty line alone is a nil reply; lines before the reply are what
 * redis-cli said while connecting (an {@code I/O error} of its AUTH, then the command on a new connection).
 * How a call ended: the reply a command gives ({@code SET ... GET}: the value it replaced, or nil; APPEND and
 * INCR: an integer) is "ok"; nothing at all, a connection broken after the command went out ({@code Error: ...}),
 * or a refusal that says the write may or may not survive is "unknown" (it may take effect at any later time, or
 * never); a connection never made ({@code Could not connect}, {@code Could not negotiate a TLS connection}) and
 * the store's refusals before its log (READONLY, TRYAGAIN, NOREPLICAS, ...) are "fail". These are the store's
 * words for a refusal, as the store-process tier's {@code Outcomes} (cli tests) reads them from Jedis. After an
 * unknown call a client goes on under a new name (the checker's visualization shows where).
 */
final class RespHistory {

    /** One call. {@code result}: what SET ... GET replaced (null: nothing), APPEND's new length, INCR's new value. */
    record Op(String client, String op, String key, String value, String result, long callNanos, long returnNanos,
              String outcome) {
    }

    /** How a call ended, and what it answered when it did. */
    record Answer(String outcome, String result) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a history client writes into a register: its name and the call's number. */
    private static final java.util.regex.Pattern WRITTEN = java.util.regex.Pattern.compile("c[0-9]+-[0-9]+");
    private static final java.util.regex.Pattern EXIT = java.util.regex.Pattern.compile("(.*)rc=([0-9]+)\\s*$");

    private RespHistory() {
    }

    static List<Op> parse(String log) {
        List<Op> ops = new ArrayList<>();
        Map<String, Integer> generations = new HashMap<>();
        for (String line : log.split("\n")) {
            String[] parts = line.strip().split(" ", 8);
            if (parts.length < 8 || !parts[0].equals("H")) {
                continue; // the shell's own lines
            }
            String id = parts[1];
            String op = parts[2];
            Answer answer = answerOf(op, parts[7]);
            int generation = generations.getOrDefault(id, 0);
            ops.add(new Op(id + "#" + generation, op, parts[3], op.equals("incr") ? null : parts[4], answer.result(),
                    Long.parseLong(parts[5]) * 1000, Long.parseLong(parts[6]) * 1000, answer.outcome()));
            if (answer.outcome().equals("unknown")) {
                generations.put(id, generation + 1);
            }
        }
        return ops;
    }

    /** @param printed what redis-cli printed, lines joined by '|', then {@code rc=<exit status>} */
    static Answer answerOf(String op, String printed) {
        java.util.regex.Matcher exit = EXIT.matcher(printed);
        if (!exit.matches()) {
            return new Answer("unknown", null); // a line cut short: nothing known
        }
        String body = exit.group(1);
        int status = Integer.parseInt(exit.group(2));
        if (body.isEmpty()) {
            return new Answer("unknown", null); // nothing heard (timed out)
        }
        // each line ended with a newline, which tr made the separator
        List<String> lines = List.of((body.endsWith("|") ? body.substring(0, body.length() - 1) : body).split("\\|", -1));
        String reply = replyOf(lines);
        if (reply.isEmpty()) {
            // a nil reply, which only SET ... GET gives here
            return op.equals("getset") && status == 0 ? new Answer("ok", null) : new Answer("unknown", null);
        }
        if (op.equals("getset") ? WRITTEN.matcher(reply).matches() : reply.matches("-?[0-9]+")) {
            return new Answer("ok", reply);
        }
        return new Answer(refusal(reply), null);
    }

    /**
     * The command's reply among what redis-cli printed: the last line, unless it is empty. An empty last line is a
     * nil reply when nothing came before it, or only what redis-cli says while connecting (a TLS session or an
     * AUTH that failed, after which it sends the command on a new connection); after anything else it is the empty
     * line raw mode prints after an error reply, and the reply is that error.
     */
    static String replyOf(List<String> lines) {
        String last = lines.get(lines.size() - 1).strip();
        if (!last.isEmpty()) {
            return last;
        }
        String before = lines.size() > 1 ? lines.get(lines.size() - 2).strip() : "";
        return before.isEmpty() || connecting(before) ? "" : before;
    }

    private static boolean connecting(String line) {
        return line.startsWith("Could not negotiate a TLS connection") || line.startsWith("Could not connect")
                || line.equals("I/O error") || line.startsWith("AUTH failed");
    }

    /** How a call that got no reply of its command ended, from redis-cli's last words. */
    static String refusal(String reply) {
        if (reply.startsWith("Could not connect") || reply.startsWith("Could not negotiate a TLS connection")) {
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
