package dev.kvstore.kubectl;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link ClusterView} as text: a headline, a table of the stores, the last failovers and the conditions.
 * Colours (primary, ready, trouble) only on a terminal: piped, the text is plain for grep and awk.
 */
public final class StatusTable {

    private static final String GREEN = "\u001b[32m";
    private static final String RED = "\u001b[31m";
    private static final String BOLD = "\u001b[1m";
    private static final String RESET = "\u001b[0m";

    private final boolean colour;

    public StatusTable(boolean colour) {
        this.colour = colour;
    }

    public String render(ClusterView view) {
        StringBuilder out = new StringBuilder();
        String phase = view.phase().isEmpty() ? "no status yet" : view.phase();
        out.append(paint(BOLD, "Cluster " + view.name())).append(" (namespace ").append(view.namespace()).append("): ")
                .append(paint("Ready".equals(phase) ? GREEN : RED, phase)).append(", primary ")
                .append(view.primary().isEmpty() ? paint(RED, "none") : view.primary()).append(", epoch ")
                .append(view.epoch()).append('\n');
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("POD", "ROLE", "READY", "EPOCH", "OFFSET", "LAG", "POD PHASE", "RESTARTS", "NODE"));
        for (ClusterView.Member member : view.members()) {
            rows.add(List.of(member.pod(), member.role(), member.ready() ? "yes" : "no", Long.toString(member.epoch()),
                    Long.toString(member.offset()), Long.toString(member.lag()), member.podPhase(),
                    Integer.toString(member.restarts()), member.node()));
        }
        table(out, rows, (row, column, cell) -> {
            if (row == 0) {
                return paint(BOLD, cell);
            }
            if (column == 1 && "primary".equals(cell)) {
                return paint(GREEN, cell);
            }
            if (column == 2) {
                return paint("yes".equals(cell) ? GREEN : RED, cell);
            }
            return cell;
        });
        if (!view.failovers().isEmpty()) {
            out.append("\nLast failovers:\n");
            List<List<String>> failovers = new ArrayList<>();
            failovers.add(List.of("TIME", "FROM", "TO", "EPOCH", "TOOK", "REASON"));
            for (ClusterView.Failover failover : view.failovers()) {
                failovers.add(List.of(failover.time(), failover.from(), failover.to(), Long.toString(failover.epoch()),
                        failover.durationMillis() + " ms", failover.reason()
                                + (failover.possiblyLossy() ? " (possibly lossy)" : "")));
            }
            table(out, failovers, (row, column, cell) -> row == 0 ? paint(BOLD, cell) : cell);
        }
        if (!view.certificates().isEmpty()) {
            out.append("\nCertificates:\n");
            List<List<String>> certificates = new ArrayList<>();
            certificates.add(List.of("SECRET", "EXPIRES", "DAYS LEFT"));
            for (ClusterView.Certificate certificate : view.certificates()) {
                certificates.add(List.of(certificate.secret(), certificate.notAfter(), Long.toString(certificate.daysLeft())));
            }
            // red within a month: the operator renews the stores' certificates before that by default (7 days)
            table(out, certificates, (row, column, cell) -> row == 0 ? paint(BOLD, cell)
                    : column == 2 && view.certificates().get(row - 1).daysLeft() < 30 ? paint(RED, cell) : cell);
        }
        out.append("\nBackups").append(view.backups() == null ? ": could not be listed\n"
                : view.backups().isEmpty() ? ": none\n" : " (newest first):\n");
        if (view.backups() != null && !view.backups().isEmpty()) {
            List<List<String>> backups = new ArrayList<>();
            backups.add(List.of("NAME", "PHASE", "COMPLETED", "STORE", "KEYS", "BYTES", "MESSAGE"));
            for (ClusterView.Backup backup : view.backups()) {
                backups.add(List.of(backup.name(), backup.phase(), backup.completedAt(), backup.store(),
                        Long.toString(backup.keys()), Long.toString(backup.bytes()), backup.message()));
            }
            table(out, backups, (row, column, cell) -> row == 0 ? paint(BOLD, cell)
                    : column == 1 && "Failed".equals(cell) ? paint(RED, cell) : cell);
        }
        if (!view.conditions().isEmpty()) {
            out.append("\nConditions:\n");
            List<List<String>> conditions = new ArrayList<>();
            conditions.add(List.of("TYPE", "STATUS", "REASON", "MESSAGE"));
            for (ClusterView.Condition condition : view.conditions()) {
                conditions.add(List.of(condition.type(), condition.status(), condition.reason(), condition.message()));
            }
            table(out, conditions, (row, column, cell) -> row == 0 ? paint(BOLD, cell) : cell);
        }
        return out.toString();
    }

    private interface Painter {
        String paint(int row, int column, String cell);
    }

    /** Columns padded to their widest cell (measured without colour codes), the last one unpadded. */
    private static void table(StringBuilder out, List<List<String>> rows, Painter painter) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String cell = rows.get(r).get(c);
                line.append(painter.paint(r, c, cell));
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - cell.length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private String paint(String code, String text) {
        return colour ? code + text + RESET : text;
    }
}
