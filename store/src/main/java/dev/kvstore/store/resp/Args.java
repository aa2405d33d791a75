package dev.kvstore.store.resp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Reading command arguments: text, numbers and keys, with Redis's error words when they are not. */
final class Args {

    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String SYNTAX = "ERR syntax error";

    private Args() {
    }

    /** A failure to read an argument: its message is the error reply, without the dash. */
    static final class Invalid extends RuntimeException {
        Invalid(String reply) {
            super(reply, null, false, false);
        }
    }

    static String text(List<byte[]> args, int index) {
        return new String(args.get(index), StandardCharsets.UTF_8);
    }

    static String upper(List<byte[]> args, int index) {
        return CommandTable.lowerAscii(args.get(index)).toUpperCase(Locale.ROOT);
    }

    static long integer(List<byte[]> args, int index) {
        return integer(args.get(index));
    }

    static long integer(byte[] bytes) {
        if (bytes.length == 0 || bytes.length > 20) {
            throw new Invalid(NOT_INTEGER);
        }
        try {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new Invalid(NOT_INTEGER);
        }
    }

    /**
     * A key as the store keeps it: text. Keys are UTF-8 here (the HTTP API names them in a URL path);
     * bytes that are not UTF-8 would come back as other bytes, so they are refused, not changed.
     */
    static String key(List<byte[]> args, int index, int maxKeyBytes) {
        byte[] bytes = args.get(index);
        if (bytes.length > maxKeyBytes) {
            throw new Invalid("ERR key of " + bytes.length + " bytes exceeds the limit of " + maxKeyBytes
                    + " bytes (kv.max-key-bytes); nothing was stored");
        }
        for (byte b : bytes) {
            if (b < 0) {
                return strictUtf8(bytes);
            }
        }
        return new String(bytes, StandardCharsets.ISO_8859_1); // ASCII: the quick way to the same string
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid("ERR keys must be valid UTF-8 on this store; nothing was stored");
        }
    }
}
