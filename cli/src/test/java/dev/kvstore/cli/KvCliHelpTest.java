package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class KvCliHelpTest {

    @ParameterizedTest
    @ValueSource(strings = {"local", "demo", "put", "get", "status", "kill-primary", "rotate-secret", "backup", "backups",
            "fence", "unfence", "promote", "bench"})
    void every_command_answers_help_with_its_usage(String command) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new KvCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(command, "--help");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("Usage: kv " + command).contains("-h, --help");
        assertThat(err.toString()).isEmpty();
    }
}
