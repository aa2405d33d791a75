package dev.kvstore.store.resp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command into words as Redis's {@code sdssplitargs} does: spaces separate, and
 * "double quotes" (with \n, \r, \t, \", \\ and \xHH escapes) or 'single quotes' group.
 */
final class InlineSplitter {

    private InlineSplitter() {
    }

    static List<byte[]> split(byte[] line, int from, int to) throws RespProtocolException {
        List<byte[]> words = new ArrayList<>();
        int i = from;
        while (true) {
            while (i < to && isSpace(line[i])) {
                i++;
            }
            if (i >= to) {
                return words;
            }
            ByteArrayOutputStream word = new ByteArrayOutputStream();
            byte quote = 0;
            while (true) {
                if (i >= to) {
                    if (quote != 0) {
                        throw new RespProtocolException("unbalanced quotes in request");
                    }
                    break;
                }
                byte b = line[i];
                if (quote == '"') {
                    if (b == '\\' && i + 3 < to && line[i + 1] == 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
                        word.write(Character.digit(line[i + 2], 16) * 16 + Character.digit(line[i + 3], 16));
                        i += 4;
                    } else if (b == '\\' && i + 1 < to) {
                        byte next = line[i + 1];
                        word.write(switch (next) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> next;
                        });
                        i += 2;
                    } else if (b == '"') {
                        // the closing quote must be followed by a space or the end
                        if (i + 1 < to && !isSpace(line[i + 1])) {
                            throw new RespProtocolException("unbalanced quotes in request");
                        }
                        i++;
                        break;
                    } else {
                        word.write(b);
                        i++;
                    }
                } else if (quote == '\'') {
                    if (b == '\\' && i + 1 < to && line[i + 1] == '\'') {
                        word.write('\'');
                        i += 2;
                    } else if (b == '\'') {
                        if (i + 1 < to && !isSpace(line[i + 1])) {
                            throw new RespProtocolException("unbalanced quotes in request");
                        }
                        i++;
                        break;
                    } else {
                        word.write(b);
                        i++;
                    }
                } else if (isSpace(b)) {
                    break;
                } else if (b == '"' || b == '\'') {
                    quote = b;
                    i++;
                } else {
                    word.write(b);
                    i++;
                }
            }
            words.add(word.toByteArray());
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }

    private static boolean isHex(byte b) {
        return Character.digit(b, 16) >= 0;
    }
}
