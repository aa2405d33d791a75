package dev.kvstore.core.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The passwords in a user's file (a mounted Secret's value): one a line, lines ending at {@code \n},
 * one {@code \r} before it not part of the password, empty lines skipped. One rule for the store that
 * checks them and the {@code kv} command that signs in with them, so the two never disagree.
 */
public final class PasswordLines {

    private PasswordLines() {
    }

    public static List<byte[]> of(byte[] file) {
        List<byte[]> passwords = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= file.length; i++) {
            if (i == file.length || file[i] == '\n') {
                int end = i;
                if (end > start && file[end - 1] == '\r') {
                    end--;
                }
                if (end > start) {
                    passwords.add(Arrays.copyOfRange(file, start, end));
                }
                start = i + 1;
            }
        }
        return passwords;
    }
}
