package dev.kvstore.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.ClusterSecrets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archiver against a primary's log call answered over real HTTP as scripted: what it asks, what it keeps in the
 * storage, and what it sets aside. (The archive against real stores: PointInTimeRestoreIT, OperatorIT.)
 */
class LogArchiverTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private HttpServer server;
    private final Deque<Answer> answers = new ArrayDeque<>();
    private final List<JsonNode> asked = new ArrayList<>();
    private BackupStorage storage;
    private LogArchiver archiver;
    private AdminClient admin;
    private String url;

    private record Answer(int status, Map<String, String> headers, byte[] body) {
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/admin/log", exchange -> {
            asked.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            Answer answer = answers.poll();
            if (answer == null) {
                answer = new Answer(500, Map.of(), "no answer scripted".getBytes(StandardCharsets.UTF_8));
            }
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            exchange.getResponseBody().write(answer.body());
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
        storage = new DirectoryStorage(dir);
        admin = new AdminClient(ClusterSecrets.of("secret"), Duration.ofSeconds(5), u -> null, null);
        archiver = new LogArchiver(storage, "cluster-a");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Entries {@code first..last} (their bytes only stand in: the archiver keeps what it is given). */
    private void entries(long first, long last, long epoch, long throughMillis) {
        answers.add(new Answer(200, Map.of("X-KV-Log-First", String.valueOf(first), "X-KV-Log-Last", String.valueOf(last),
                "X-KV-Log-Last-Epoch", String.valueOf(epoch), "X-KV-Log-Committed", String.valueOf(last),
                "X-KV-Log-Covered-Through-Millis", String.valueOf(throughMillis)),
                ("entries " + first + ".." + last).getBytes(StandardCharsets.UTF_8)));
    }

    private void diverged(long term) {
        answers.add(new Answer(409, Map.of("X-KV-Log-Diverged", "true", "X-KV-Term-Epoch", String.valueOf(term)),
                "{\"error\":\"diverged\"}".getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> segmentNames() throws Exception {
        return LogArchiver.segments(storage).stream().map(ArchiveSegment::name).toList();
    }

    @Test
    void an_empty_archive_starts_at_the_log_and_goes_on_after_its_last_segment_until_certified() throws Exception {
        entries(1, 40, 1, 0); // more to read
        entries(41, 50, 1, 5_000); // the commit point, certified through 5 s
        LogArchiver.Round round = archiver.archive(admin, url);

        assertThat(asked).extracting(a -> a.get("after").asLong()).containsExactly(-1L, 40L);
        assertThat(asked.get(1).get("afterEpoch").asLong()).isEqualTo(1);
        assertThat(round.segmentsWritten()).isEqualTo(2);
        assertThat(LogArchiver.segments(storage)).containsExactly(new ArchiveSegment(1, 40, 1, 0),
                new ArchiveSegment(41, 50, 1, 5_000));
        assertThat(LogArchiver.head(storage)).isEqualTo(new LogArchiver.Head(50, 1, 5_000, "cluster-a"));

        // nothing new, certified later: the head moves, no segment is written
        answers.add(new Answer(200, Map.of("X-KV-Log-First", "0", "X-KV-Log-Last", "50", "X-KV-Log-Last-Epoch", "1",
                "X-KV-Log-Committed", "50", "X-KV-Log-Covered-Through-Millis", "9000"), new byte[0]));
        archiver.archive(admin, url);
        assertThat(asked.get(2).get("after").asLong()).isEqualTo(50);
        assertThat(LogArchiver.segments(storage)).hasSize(2);
        assertThat(LogArchiver.head(storage).throughMillis()).isEqualTo(9_000);
    }

    @Test
    void a_later_terms_primary_that_dropped_the_tail_has_it_set_aside_and_the_archive_goes_on_from_its_history()
            throws Exception {
        entries(1, 40, 1, 0);
        entries(41, 50, 2, 5_000);
        archiver.archive(admin, url);

        diverged(3); // the primary of term 3 does not hold 41..50 of epoch 2
        entries(41, 45, 3, 7_000); // it goes on from 40
        LogArchiver.Round round = archiver.archive(admin, url);

        assertThat(round.trouble()).contains("set aside");
        assertThat(asked.subList(2, 4)).extracting(a -> a.get("after").asLong()).containsExactly(50L, 40L);
        assertThat(LogArchiver.segments(storage)).containsExactly(new ArchiveSegment(1, 40, 1, 0),
                new ArchiveSegment(41, 45, 3, 7_000));
        assertThat(storage.list(".kvlog")).contains(LogArchiver.SET_ASIDE + new ArchiveSegment(41, 50, 2, 5_000).name());
        assertThat(LogArchiver.head(storage)).isEqualTo(new LogArchiver.Head(45, 3, 7_000, "cluster-a"));
    }

    @Test
    void a_deposed_primary_that_does_not_hold_the_tail_sets_nothing_aside() throws Exception {
        entries(1, 50, 4, 5_000);
        archiver.archive(admin, url);

        diverged(3); // a primary of term 3 answering late: the archive holds entries of epoch 4 already
        LogArchiver.Round round = archiver.archive(admin, url);

        assertThat(round.trouble()).contains("nothing set aside");
        assertThat(round.stuck()).isTrue();
        assertThat(LogArchiver.segments(storage)).containsExactly(new ArchiveSegment(1, 50, 4, 5_000));
        assertThat(LogArchiver.head(storage)).isEqualTo(new LogArchiver.Head(50, 4, 5_000, "cluster-a"));
    }

    @Test
    void entries_compacted_away_leave_a_gap_and_the_archive_starts_over_from_the_primarys_log() throws Exception {
        entries(1, 50, 1, 5_000);
        archiver.archive(admin, url);

        answers.add(new Answer(410, Map.of(), "{\"error\":\"compacted\"}".getBytes(StandardCharsets.UTF_8)));
        entries(900, 950, 1, 60_000);
        LogArchiver.Round round = archiver.archive(admin, url);

        assertThat(round.trouble()).contains("gap in the archive after offset 50");
        assertThat(asked.subList(1, 3)).extracting(a -> a.get("after").asLong()).containsExactly(50L, -1L);
        assertThat(segmentNames()).hasSize(2);
        assertThat(LogArchiver.head(storage)).isEqualTo(new LogArchiver.Head(950, 1, 60_000, "cluster-a"));
    }

    @Test
    void pruning_deletes_the_segments_no_backup_needs_and_keeps_the_newest() throws Exception {
        entries(1, 40, 1, 0);
        entries(41, 80, 1, 0);
        entries(81, 90, 1, 5_000);
        archiver.archive(admin, url);
        assertThat(archiver.prune()).as("no backup yet: everything kept for the first").isZero();

        storage.writeSmall("kv-20261207-010000-1-60-abcdef.json", JSON.writeValueAsBytes(new Backups.Manifest(
                "kv-20261207-010000-1-60-abcdef", "kv-1", 60, 1, 10, 100, "00", "2026-12-07T01:00:00Z",
                "2026-12-07T01:00:01Z", "kv-20261207-010000-1-60-abcdef.snapshot")));
        assertThat(archiver.prune()).isEqualTo(1);
        assertThat(LogArchiver.segments(storage)).extracting(ArchiveSegment::start).containsExactly(41L, 81L);
        // a backup whose last entry ends a segment: its restore needs that segment (the backup's entry and epoch)
        storage.writeSmall("kv-20261207-005900-1-80-abcdef.json", JSON.writeValueAsBytes(new Backups.Manifest(
                "kv-20261207-005900-1-80-abcdef", "kv-1", 80, 1, 10, 100, "00", "2026-12-07T00:59:00Z",
                "2026-12-07T00:59:01Z", "kv-20261207-005900-1-80-abcdef.snapshot")));
        storage.delete("kv-20261207-010000-1-60-abcdef.json");
        assertThat(archiver.prune()).isZero();
        assertThat(LogArchiver.segments(storage)).extracting(ArchiveSegment::start).containsExactly(41L, 81L);
        storage.delete("kv-20261207-005900-1-80-abcdef.json");

        // a backup after every segment: the newest stays, the archive goes on from it
        storage.writeSmall("kv-20261207-010000-1-60-abcdef.json", JSON.writeValueAsBytes(new Backups.Manifest(
                "kv-20261207-010000-1-60-abcdef", "kv-1", 95, 1, 10, 100, "00", "2026-12-07T01:00:00Z",
                "2026-12-07T01:00:01Z", "kv-20261207-010000-1-60-abcdef.snapshot")));
        assertThat(archiver.prune()).isEqualTo(1);
        assertThat(LogArchiver.segments(storage)).extracting(ArchiveSegment::start).containsExactly(81L);
        entries(91, 95, 1, 9_000);
        archiver.archive(admin, url);
        assertThat(asked.get(asked.size() - 1).get("after").asLong()).isEqualTo(90);
    }

    @Test
    void another_clusters_archive_is_never_written_to() throws Exception {
        entries(1, 50, 1, 5_000);
        archiver.archive(admin, url);

        LogArchiver other = new LogArchiver(storage, "cluster-b"); // made again under the same name, say
        LogArchiver.Round round = other.archive(admin, url);

        assertThat(round.stuck()).isTrue();
        assertThat(round.trouble()).contains("the log of another cluster (cluster-a, not cluster-b)");
        assertThat(asked).as("the primary is not even asked").hasSize(1);
        assertThat(LogArchiver.head(storage).owner()).isEqualTo("cluster-a");
    }
}
