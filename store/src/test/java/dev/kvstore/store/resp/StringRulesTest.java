package dev.kvstore.store.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.store.node.Decision;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The read-modify-write commands' decisions, as Redis makes them. */
class StringRulesTest {

    private static byte[] b(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String reply(Decision<CommandHandler.Reply> decision) {
        Buffer out = Buffer.buffer();
        decision.reply().writeTo(RespWriter.into(out, 2));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String value(Decision<CommandHandler.Reply> decision) {
        return new String(decision.value(), StandardCharsets.UTF_8);
    }

    @Test
    void incrStartsAnAbsentKeyAtZeroAndLogsTheResultAsAValue() {
        Decision<CommandHandler.Reply> first = StringRules.incrementBy(null, 1);
        assertThat(first.kind()).isEqualTo(Decision.Kind.PUT);
        assertThat(value(first)).isEqualTo("1");
        assertThat(reply(first)).isEqualTo(":1\r\n");
        Decision<CommandHandler.Reply> next = StringRules.incrementBy(b("41"), -50);
        assertThat(value(next)).isEqualTo("-9");
        assertThat(reply(next)).isEqualTo(":-9\r\n");
    }

    @Test
    void incrRefusesWhatRedisWouldNotReadAsAnIntegerAndWritesNothing() {
        for (String notAnInteger : new String[]{"abc", "", " 1", "1 ", "+1", "01", "-0", "1.5", "99999999999999999999"}) {
            Decision<CommandHandler.Reply> decision = StringRules.incrementBy(b(notAnInteger), 1);
            assertThat(decision.kind()).as(notAnInteger).isEqualTo(Decision.Kind.NONE);
            assertThat(reply(decision)).isEqualTo("-ERR value is not an integer or out of range\r\n");
        }
        assertThat(value(StringRules.incrementBy(b("-5"), 1))).isEqualTo("-4");
        assertThat(value(StringRules.incrementBy(b("0"), 1))).isEqualTo("1");
    }

    @Test
    void incrPastTheRangeIsAnOverflowErrorAndWritesNothing() {
        Decision<CommandHandler.Reply> decision = StringRules.incrementBy(b(Long.toString(Long.MAX_VALUE)), 1);
        assertThat(decision.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(reply(decision)).isEqualTo("-ERR increment or decrement would overflow\r\n");
        assertThat(StringRules.incrementBy(b(Long.toString(Long.MIN_VALUE)), -1).kind()).isEqualTo(Decision.Kind.NONE);
    }

    @Test
    void setnxWritesOnlyAnAbsentKey() {
        assertThat(StringRules.setIfAbsent(null, b("v")).kind()).isEqualTo(Decision.Kind.PUT);
        assertThat(reply(StringRules.setIfAbsent(null, b("v")))).isEqualTo(":1\r\n");
        assertThat(StringRules.setIfAbsent(b("old"), b("v")).kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(reply(StringRules.setIfAbsent(b("old"), b("v")))).isEqualTo(":0\r\n");
    }

    @Test
    void setWithConditionsAndGetAnswersAsRedis() {
        var nx = new StringRules.SetOptions(true, false, false, false, null);
        var xx = new StringRules.SetOptions(false, true, false, false, null);
        var nxGet = new StringRules.SetOptions(true, false, true, false, null);
        var get = new StringRules.SetOptions(false, false, true, false, null);
        assertThat(reply(StringRules.set(null, b("v"), nx, 0))).isEqualTo("+OK\r\n");
        assertThat(StringRules.set(b("old"), b("v"), nx, 0).kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(reply(StringRules.set(b("old"), b("v"), nx, 0))).isEqualTo("$-1\r\n");
        assertThat(StringRules.set(null, b("v"), xx, 0).kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(reply(StringRules.set(b("old"), b("v"), xx, 0))).isEqualTo("+OK\r\n");
        assertThat(reply(StringRules.set(b("old"), b("v"), get, 0))).isEqualTo("$3\r\nold\r\n");
        assertThat(value(StringRules.set(b("old"), b("v"), get, 0))).isEqualTo("v");
        assertThat(reply(StringRules.set(b("old"), b("v"), nxGet, 0))).isEqualTo("$3\r\nold\r\n");
        assertThat(StringRules.set(b("old"), b("v"), nxGet, 0).kind()).isEqualTo(Decision.Kind.NONE);
    }

    @Test
    void getdelDeletesWhatItReturnsAndGetsetReplacesIt() {
        assertThat(StringRules.getAndDelete(b("old")).kind()).isEqualTo(Decision.Kind.DELETE);
        assertThat(reply(StringRules.getAndDelete(b("old")))).isEqualTo("$3\r\nold\r\n");
        assertThat(StringRules.getAndDelete(null).kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(reply(StringRules.getAndDelete(null))).isEqualTo("$-1\r\n");
        assertThat(value(StringRules.getAndSet(b("old"), b("new")))).isEqualTo("new");
        assertThat(reply(StringRules.getAndSet(null, b("new")))).isEqualTo("$-1\r\n");
    }

    @Test
    void appendJoinsAndAnswersTheLengthWithinTheValueLimit() {
        assertThat(value(StringRules.append(b("ab"), b("cd"), 4))).isEqualTo("abcd");
        assertThat(reply(StringRules.append(b("ab"), b("cd"), 4))).isEqualTo(":4\r\n");
        assertThat(value(StringRules.append(null, b("x"), 4))).isEqualTo("x");
        Decision<CommandHandler.Reply> tooLong = StringRules.append(b("abc"), b("de"), 4);
        assertThat(tooLong.kind()).isEqualTo(Decision.Kind.NONE);
        assertThat(reply(tooLong)).startsWith("-ERR string exceeds maximum allowed size");
    }

    @Test
    void timesToLiveFollowRedis() {
        long now = 1_000_000;
        var ex = new StringRules.SetOptions(false, false, false, false, new StringRules.Expiry(StringRules.ExpiryUnit.EX, 10));
        assertThat(StringRules.set(null, b("v"), ex, now).expiresAtMillis()).as("EX is seconds from now")
                .isEqualTo(now + 10_000);
        var pxat = new StringRules.SetOptions(false, false, false, false, new StringRules.Expiry(StringRules.ExpiryUnit.PXAT, 5));
        assertThat(StringRules.set(null, b("v"), pxat, now).expiresAtMillis()).isEqualTo(5);
        var keep = new StringRules.SetOptions(false, false, false, true, null);
        assertThat(StringRules.set(b("old"), b("v"), keep, now).expiresAtMillis(777)).as("KEEPTTL").isEqualTo(777);
        assertThat(StringRules.set(b("old"), b("v"), StringRules.SetOptions.PLAIN, now).expiresAtMillis(777))
                .as("a plain SET drops the time to live").isZero();
        assertThat(StringRules.incrementBy(b("1"), 1).expiresAtMillis(777)).as("INCR keeps it").isEqualTo(777);
        assertThat(StringRules.append(b("a"), b("b"), 100).expiresAtMillis(777)).as("APPEND keeps it").isEqualTo(777);
        assertThat(StringRules.getAndSet(b("a"), b("b")).expiresAtMillis(777)).as("GETSET drops it").isZero();
        var huge = new StringRules.SetOptions(false, false, false, false,
                new StringRules.Expiry(StringRules.ExpiryUnit.EX, Long.MAX_VALUE / 10));
        assertThat(reply(StringRules.set(null, b("v"), huge, now))).isEqualTo("-ERR invalid expire time in 'set' command\r\n");

        assertThat(StringRules.timeToLive(null, 0, now, false)).isEqualTo(-2);
        assertThat(StringRules.timeToLive(b("v"), 0, now, false)).isEqualTo(-1);
        assertThat(StringRules.timeToLive(b("v"), now + 1_499, now, false)).as("rounded as Redis rounds").isEqualTo(1);
        assertThat(StringRules.timeToLive(b("v"), now + 1_500, now, false)).isEqualTo(2);
        assertThat(StringRules.timeToLive(b("v"), now + 1_499, now, true)).isEqualTo(1_499);

        assertThat(StringRules.expiryConditionHolds("NX", 0, 5)).isTrue();
        assertThat(StringRules.expiryConditionHolds("NX", 9, 5)).isFalse();
        assertThat(StringRules.expiryConditionHolds("XX", 0, 5)).isFalse();
        assertThat(StringRules.expiryConditionHolds("GT", 0, 5)).as("no time to live is infinite").isFalse();
        assertThat(StringRules.expiryConditionHolds("GT", 4, 5)).isTrue();
        assertThat(StringRules.expiryConditionHolds("LT", 0, 5)).isTrue();
        assertThat(StringRules.expiryConditionHolds("LT", 4, 5)).isFalse();
    }
}
