package dev.kvstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the benchmark lands. */
@Command(name = "bench", description = "Benchmark against Redis (not yet implemented).")
final class Bench implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("bench: not implemented yet");
        return 2;
    }
}
