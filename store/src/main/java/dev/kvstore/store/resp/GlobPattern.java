package dev.kvstore.store.resp;

import java.util.function.Predicate;

/**
 * Redis's glob ({@code stringmatchlen}): {@code *}, {@code ?}, {@code [abc]}, {@code [^a-z]} and
 * {@code \} to escape, over the key's characters. Matched with one backtracking point per star (the
 * classic wildcard walk), so no pattern costs more than key length times pattern length.
 */
final class GlobPattern implements Predicate<String> {

    private final String pattern;

    private GlobPattern(String pattern) {
        this.pattern = pattern;
    }

    static Predicate<String> of(String pattern) {
        return pattern == null || pattern.equals("*") ? key -> true : new GlobPattern(pattern);
    }

    @Override
    public boolean test(String s) {
        int length = pattern.length();
        int p = 0;
        int i = 0;
        int afterStar = -1;
        int starFrom = -1;
        while (i < s.length()) {
            if (p < length && pattern.charAt(p) == '*') {
                while (p < length && pattern.charAt(p) == '*') {
                    p++;
                }
                afterStar = p;
                starFrom = i;
                continue;
            }
            int next = p < length ? matchOne(p, s.charAt(i)) : -1;
            if (next >= 0) {
                p = next;
                i++;
            } else if (afterStar >= 0) {
                // let the last star take one more character, and try again from there
                p = afterStar;
                i = ++starFrom;
            } else {
                return false;
            }
        }
        while (p < length && pattern.charAt(p) == '*') {
            p++;
        }
        return p == length;
    }

    /** Whether the single-character token at {@code p} matches {@code ch}: the index after it, or -1. */
    private int matchOne(int p, char ch) {
        char c = pattern.charAt(p);
        if (c == '?') {
            return p + 1;
        }
        if (c == '\\' && p + 1 < pattern.length()) {
            return pattern.charAt(p + 1) == ch ? p + 2 : -1;
        }
        if (c != '[') {
            return c == ch ? p + 1 : -1;
        }
        int q = p + 1;
        boolean negate = q < pattern.length() && pattern.charAt(q) == '^';
        if (negate) {
            q++;
        }
        boolean found = false;
        while (q < pattern.length() && pattern.charAt(q) != ']') {
            char start = pattern.charAt(q);
            if (start == '\\' && q + 1 < pattern.length()) {
                q++;
                found |= pattern.charAt(q) == ch;
            } else if (q + 2 < pattern.length() && pattern.charAt(q + 1) == '-' && pattern.charAt(q + 2) != ']') {
                char lo = (char) Math.min(start, pattern.charAt(q + 2));
                char hi = (char) Math.max(start, pattern.charAt(q + 2));
                found |= ch >= lo && ch <= hi;
                q += 2;
            } else {
                found |= start == ch;
            }
            q++;
        }
        // an unclosed class runs to the pattern's end, as in Redis
        int after = Math.min(q + 1, pattern.length());
        return found != negate ? after : -1;
    }
}
