package dev.kvstore.store.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespRequestDecoderTest {

    private static final RespLimits LIMITS = new RespLimits(64, 100, 1024, 200);

    private final List<String> seen = new ArrayList<>();
    private final RespRequestDecoder decoder = new RespRequestDecoder(LIMITS, new RespRequestDecoder.Sink() {
        public void command(List<byte[]> args) {
            seen.add(String.join("|", args.stream().map(a -> new String(a, StandardCharsets.UTF_8)).toList()));
        }

        public void refused(String error) {
            seen.add("refused: " + error);
        }
    });

    private void feed(String text) throws RespProtocolException {
        decoder.feed(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void commandsInOneReadAreAllDecodedInOrder() throws Exception {
        feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        assertThat(seen).containsExactly("SET|k|hello", "GET|k");
        assertThat(decoder.buffered()).isZero();
    }

    @Test
    void anyFragmentationGivesTheSameCommands() throws Exception {
        byte[] stream = "*3\r\n$3\r\nSET\r\n$4\r\nk\r\nv\r\n$0\r\n\r\nPING\r\n*1\r\n$4\r\nPING\r\n"
                .getBytes(StandardCharsets.UTF_8);
        for (int size = 1; size <= stream.length; size++) {
            seen.clear();
            RespRequestDecoder fresh = new RespRequestDecoder(LIMITS, new RespRequestDecoder.Sink() {
                public void command(List<byte[]> args) {
                    seen.add(String.join("|", args.stream().map(a -> new String(a, StandardCharsets.UTF_8)).toList()));
                }

                public void refused(String error) {
                    seen.add("refused");
                }
            });
            for (int from = 0; from < stream.length; from += size) {
                fresh.feed(stream, from, Math.min(size, stream.length - from));
            }
            assertThat(seen).as("pieces of " + size).containsExactly("SET|k\r\nv|", "PING", "PING");
            assertThat(fresh.buffered()).isZero();
        }
    }

    @Test
    void inlineCommandsSplitOnSpacesAndHonourQuotes() throws Exception {
        feed("set k \"two words\\x41\"\r\nget 'k'\nPING\r\n\r\n");
        assertThat(seen).containsExactly("set|k|two wordsA", "get|k", "PING");
    }

    @Test
    void aValueOverTheLimitIsSkippedAndRefusedAndTheNextCommandStillWorks() throws Exception {
        String big = "x".repeat(65);
        feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$65\r\n" + big.substring(0, 10));
        feed(big.substring(10) + "\r\n*1\r\n$4\r\nPING\r\n");
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).startsWith("refused: ERR argument of 65 bytes exceeds the limit of 64 bytes");
        assertThat(seen.get(1)).isEqualTo("PING");
        assertThat(decoder.buffered()).isZero();
    }

    @Test
    void aCommandOverItsTotalBoundIsRefusedWhole() throws Exception {
        StringBuilder command = new StringBuilder("*5\r\n$4\r\nMGET\r\n");
        for (int i = 0; i < 4; i++) {
            command.append("$60\r\n").append(String.valueOf(i).repeat(60)).append("\r\n");
        }
        feed(command + "*1\r\n$4\r\nPING\r\n");
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).startsWith("refused: ERR command of more than 200 bytes");
        assertThat(seen.get(1)).isEqualTo("PING");
    }

    @Test
    void aHugeDeclaredArrayIsRefusedBeforeAnythingIsAllocated() {
        assertThatThrownBy(() -> feed("*2147483647\r\n")).isInstanceOf(RespProtocolException.class)
                .hasMessage("Protocol error: invalid multibulk length");
        RespRequestDecoder other = new RespRequestDecoder(LIMITS, null);
        assertThatThrownBy(() -> other.feed("*99999999999999999999\r\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RespProtocolException.class);
    }

    @Test
    void aBulkLengthPastRedisProtocolMaximumIsAProtocolErrorNotSomethingToSkip() {
        // skipping a value over the store's limit keeps a client's connection; skipping 93 GiB would not
        assertThatThrownBy(() -> feed("*1\r\n$99999999999\r\n")).isInstanceOf(RespProtocolException.class)
                .hasMessage("Protocol error: invalid bulk length");
        assertThatThrownBy(() -> new RespRequestDecoder(LIMITS, null).feed(
                ("*1\r\n$" + (RespLimits.PROTOCOL_MAX_BULK + 1) + "\r\n").getBytes()))
                .hasMessage("Protocol error: invalid bulk length");
    }

    @Test
    void malformedHeadersAreProtocolErrors() {
        assertThatThrownBy(() -> feed("*1\r\n:3\r\n")).hasMessage("Protocol error: expected '$', got ':'");
        assertThatThrownBy(() -> new RespRequestDecoder(LIMITS, null).feed("*1\r\n$-5\r\n".getBytes()))
                .hasMessage("Protocol error: invalid bulk length");
        assertThatThrownBy(() -> new RespRequestDecoder(LIMITS, null).feed("*1\r\n$3\r\nabcXY".getBytes()))
                .hasMessageContaining("expected CRLF");
        assertThatThrownBy(() -> new RespRequestDecoder(LIMITS, null).feed("*x\r\n".getBytes()))
                .hasMessage("Protocol error: invalid multibulk length");
        assertThatThrownBy(() -> new RespRequestDecoder(LIMITS, null).feed("set \"k v\r\n".getBytes()))
                .hasMessage("Protocol error: unbalanced quotes in request");
    }

    @Test
    void aLineWithoutAnEndIsRefusedOnceItPassesTheLineLimit() throws Exception {
        feed("x".repeat(1000));
        assertThat(seen).isEmpty();
        assertThatThrownBy(() -> feed("x".repeat(100))).hasMessage("Protocol error: too big inline request");
        RespRequestDecoder other = new RespRequestDecoder(LIMITS, null);
        assertThatThrownBy(() -> other.feed(("*" + "1".repeat(2000)).getBytes()))
                .isInstanceOf(RespProtocolException.class);
    }

    @Test
    void emptyArraysAreNoCommand() throws Exception {
        feed("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n");
        assertThat(seen).containsExactly("PING");
    }
}
