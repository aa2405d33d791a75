package dev.kvstore.store.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobPatternTest {

    private static boolean matches(String pattern, String key) {
        return GlobPattern.of(pattern).test(key);
    }

    @Test
    void matchesAsRedisKeysDoes() {
        assertThat(matches("*", "anything")).isTrue();
        assertThat(matches("user:*", "user:42")).isTrue();
        assertThat(matches("user:*", "order:42")).isFalse();
        assertThat(matches("h?llo", "hallo")).isTrue();
        assertThat(matches("h?llo", "hllo")).isFalse();
        assertThat(matches("h[ae]llo", "hello")).isTrue();
        assertThat(matches("h[ae]llo", "hillo")).isFalse();
        assertThat(matches("h[^e]llo", "hallo")).isTrue();
        assertThat(matches("h[^e]llo", "hello")).isFalse();
        assertThat(matches("h[a-b]llo", "hbllo")).isTrue();
        assertThat(matches("h\\*llo", "h*llo")).isTrue();
        assertThat(matches("h\\*llo", "hello")).isFalse();
        assertThat(matches("*a*b", "xxaxxb")).isTrue();
        assertThat(matches("*a*b", "xxaxxbc")).isFalse();
        assertThat(matches("a**", "a")).isTrue();
        assertThat(matches("", "")).isTrue();
    }

    @Test
    void manyStarsDoNotTakeExponentialTime() {
        String key = "a".repeat(1000);
        long started = System.nanoTime();
        assertThat(matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", key)).isFalse();
        assertThat(System.nanoTime() - started).isLessThan(2_000_000_000L);
    }
}
