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
    /**
     * The same commands by the length of their name, for the name as a client sent it: found by comparing bytes,
     * where lowering it into a String first made two objects per command received.
     */
    private Command[][] byLength = new Command[0][];
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
        Command command = new Command(name, arity, flags, firstKey, lastKey, keyStep, handler);
        byName.put(name, command);
        if (name.length() >= byLength.length) {
            int had = byLength.length;
            byLength = java.util.Arrays.copyOf(byLength, name.length() + 1);
            java.util.Arrays.fill(byLength, had, byLength.length, new Command[0]);
        }
        Command[] sameLength = byLength[name.length()];
        for (int i = 0; i < sameLength.length; i++) {
            if (sameLength[i].name().equals(name)) {
                sameLength[i] = command; // added again: the newer one, as the map keeps
                return this;
            }
        }
        sameLength = java.util.Arrays.copyOf(sameLength, sameLength.length + 1);
        sameLength[sameLength.length - 1] = command;
        byLength[name.length()] = sameLength;
        return this;
    }

    CommandTable add(String name, int arity, Set<String> flags, CommandHandler handler) {
        return add(name, arity, flags, 0, 0, 0, handler);
    }

    /** The command named {@code name} in any case of its ASCII letters (as Redis matches), or null. */
    Command find(byte[] name) {
        if (name.length >= byLength.length) {
            return null;
        }
        for (Command command : byLength[name.length]) {
            if (namedIgnoringCase(command.name(), name)) {
                return command;
            }
        }
        return null;
    }

    /** Whether {@code sent}, its letters A-Z taken as a-z, spells {@code lowerName} (lower case, ASCII). */
    private static boolean namedIgnoringCase(String lowerName, byte[] sent) {
        for (int i = 0; i < sent.length; i++) {
            int b = sent[i] & 0xff;
            if (lowerName.charAt(i) != (b >= 'A' && b <= 'Z' ? b + 32 : b)) {
                return false;
            }
        }
        return true;
    }

    static String lowerAscii(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            chars[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        return new String(chars);
    }

    Command find(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    Collection<Command> all() {
        return byName.values();
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
