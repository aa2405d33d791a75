package dev.kvstore.store.resp;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The commands this store answers, by name; and the errors for the ones it does not know. */
final class CommandTable {

    private final Map<String, Command> byName = new TreeMap<>();
    private TransactionCommands transactions;

    void transactions(TransactionCommands commands) {
        transactions = commands;
    }

    /** Where commands sent inside MULTI are queued. */
    TransactionCommands transactions() {
        return transactions;
    }

    CommandTable add(String name, int arity, Set<String> flags, int firstKey, int lastKey, int keyStep,
                     CommandHandler handler) {
        byName.put(name, new Command(name, arity, flags, firstKey, lastKey, keyStep, handler));
        return this;
    }

    CommandTable add(String name, int arity, Set<String> flags, CommandHandler handler) {
        return add(name, arity, flags, 0, 0, 0, handler);
    }

    Command find(byte[] name) {
        return byName.get(lowerAscii(name));
    }

    Command find(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    Collection<Command> all() {
        return byName.values();
    }

    static String lowerAscii(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            chars[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        return new String(chars);
    }

    /** Exactly Redis's words: Jedis and Lettuce look for "unknown command" to fall back from HELLO. */
    static String unknownCommand(List<byte[]> args) {
        StringBuilder text = new StringBuilder("ERR unknown command '")
                .append(clip(new String(args.get(0), StandardCharsets.UTF_8), 128))
                .append("', with args beginning with: ");
        int room = 128;
        for (int i = 1; i < args.size() && room > 0; i++) {
            String arg = clip(new String(args.get(i), StandardCharsets.UTF_8), room);
            text.append('\'').append(arg).append("' ");
            room -= arg.length();
        }
        return text.toString();
    }

    static String wrongArity(String name) {
        return "ERR wrong number of arguments for '" + name + "' command";
    }

    static String unknownSubcommand(String sub, String command) {
        return "ERR unknown subcommand '" + clip(sub, 128) + "'. Try " + command.toUpperCase(Locale.ROOT) + " HELP.";
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
