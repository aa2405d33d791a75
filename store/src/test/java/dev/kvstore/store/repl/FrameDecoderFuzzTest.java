package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any bytes fed to the decoder and codec either decode or fail with {@link ProtocolException}:
 * never another exception, never an allocation beyond the frame limit. Runs the corpus in
 * src/test/resources on every build; JAZZER_FUZZ=1 fuzzes for real.
 */
class FrameDecoderFuzzTest {

    private static final int MAX_FRAME = 64 * 1024;

    @FuzzTest(maxDuration = "30s")
    void arbitrary_bytes_never_crash_the_decoder(byte[] input) {
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME);
        MessageCodec codec = new MessageCodec(MAX_FRAME);
        int split = input.length == 0 ? 0 : (input[0] & 0xff) % (input.length + 1);
        try {
            for (Frame frame : decoder.feed(input, 0, split)) {
                assertThat(frame.payload().length).isLessThan(MAX_FRAME);
                codec.decode(frame);
            }
            for (Frame frame : decoder.feed(input, split, input.length - split)) {
                assertThat(frame.payload().length).isLessThan(MAX_FRAME);
                codec.decode(frame);
            }
        } catch (ProtocolException expected) {
            // the only allowed failure
        }
    }
}
