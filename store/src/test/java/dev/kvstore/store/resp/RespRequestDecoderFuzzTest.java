package dev.kvstore.store.resp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Any bytes, in any two pieces, either decode into commands within the limits or fail with
 * {@link RespProtocolException}: never another exception, never a buffer past the limits. Runs the
 * corpus in src/test/resources on every build; JAZZER_FUZZ=1 fuzzes for real.
 */
class RespRequestDecoderFuzzTest {

    private static final RespLimits LIMITS = new RespLimits(256, 64, 512, 1024);

    @FuzzTest(maxDuration = "30s")
    void arbitrary_bytes_never_crash_the_decoder(byte[] input) {
        RespRequestDecoder decoder = new RespRequestDecoder(LIMITS, new RespRequestDecoder.Sink() {
            public void command(List<byte[]> args) {
                assertThat(args).isNotEmpty().hasSizeLessThanOrEqualTo(LIMITS.maxArgs());
                assertThat(args.stream().mapToLong(a -> a.length).sum()).isLessThanOrEqualTo(LIMITS.maxCommandBytes()
                        + LIMITS.maxLineBytes());
            }

            public void refused(String error) {
                assertThat(error).startsWith("ERR ");
            }
        });
        int split = input.length == 0 ? 0 : (input[0] & 0xff) % (input.length + 1);
        try {
            decoder.feed(input, 0, split);
            decoder.feed(input, split, input.length - split);
            assertThat(decoder.buffered()).isLessThanOrEqualTo(Math.max(LIMITS.maxBulkBytes(), LIMITS.maxLineBytes()) + 2);
        } catch (RespProtocolException expected) {
            // the only allowed failure
        }
    }
}
