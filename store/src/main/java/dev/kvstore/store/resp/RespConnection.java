package dev.kvstore.store.resp;

import dev.kvstore.store.net.SocketReads;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import dev.kvstore.store.node.CompletionBatch;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * One client connection, on its event loop. Pipelining the way fast servers do it: every complete
 * command in what was read runs at once, replies go out in order, and all replies ready by the end
 * of a read go out in one socket write. A write's reply waits for its commit without holding up the
 * commands behind it, so a pipeline's writes share fsyncs and replication frames; only a command that
 * reads the data waits until this connection's earlier writes are acknowledged, so that it sees them.
 */
final class RespConnection implements RespRequestDecoder.Sink {

    private static final Logger LOG = Logger.getLogger(RespConnection.class);
    /** Commands parsed but not yet answered; past it, the connection stops reading until replies drain. */
    private static final int MAX_BACKLOG = 16 * 1024;
    static final String NOAUTH = "NOAUTH Authentication required.";
    /** Bounds of a batch's first capacity ({@link #nextBatchBytes}); a batch grows past it as it needs. */
    private static final int MIN_BATCH_BYTES = 16;
    private static final int MAX_FIRST_BATCH_BYTES = 8192;

    /** A reply's place in the order of replies: its bytes, or the reply still to come. */
    private static final class Slot {
        final Buffer ready;
        final boolean write;
        volatile CommandHandler.Reply later;

        Slot(Buffer ready, boolean write) {
            this.ready = ready;
            this.write = write;
        }
    }

    /** A command that must wait for this connection's writes before it runs (or an error to answer in turn). */
    private record Waiting(List<byte[]> args, Command command, String refusal) {
    }

    private final NetSocket socket;
    private final Context context;
    private final RespSession session;
    private final CommandTable commands;
    private final RespStats stats;
    private final long writeTimeoutMillis;
    private final RespRequestDecoder decoder;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private Buffer batch = Buffer.buffer(MIN_BATCH_BYTES);
    private int batchReplies;
    private int writesInFlight;
    private boolean pausedForBacklog;
    private SocketReads reads;
    private boolean closed;
    /** Within onBytes or drain: a reply completed now is picked up by the loop already running. */
    private boolean busy;
    private final Runnable onClose;
    private final dev.kvstore.store.auth.Access access;
    /** One instance each, so that a batch of commits signals this connection once (see CompletionBatch). */
    private final Runnable drainFromElsewhere = this::scheduleDrain;
    private final Runnable drainHere = () -> {
        if (!busy) {
            drain();
        }
    };

    RespConnection(NetSocket socket, Context context, CommandTable commands, RespLimits limits, RespStats stats,
                   long writeTimeoutMillis, dev.kvstore.store.auth.Access access, Runnable onClose) {
        this.access = access;
        this.socket = socket;
        this.onClose = onClose;
        this.context = context;
        this.commands = commands;
        this.stats = stats;
        this.writeTimeoutMillis = writeTimeoutMillis;
        this.session = new RespSession(String.valueOf(socket.remoteAddress()),
                access.required() ? null : dev.kvstore.store.auth.Users.DEFAULT_OPEN);
        this.decoder = new RespRequestDecoder(limits, this);
    }

    void start() {
        reads = SocketReads.deliver(socket, this::onBytes);
        socket.closeHandler(v -> {
            closed = true;
            onClose.run();
        });
        socket.exceptionHandler(e -> socket.close());
    }

    private void onBytes(byte[] array, int offset, int length) {
        if (closed || session.closing()) {
            return;
        }
        busy = true;
        try {
            decoder.feed(array, offset, length);
        } catch (RespProtocolException e) {
            stats.protocolErrors.incrementAndGet();
            LOG.debugf("closing client %s: %s", session.address(), e.getMessage());
            session.closeAfterReplies();
            enqueueOrRun(new Waiting(null, null, "ERR " + e.getMessage()));
        }
        busy = false;
        drain();
    }

    @Override
    public void command(List<byte[]> args) {
        if (session.closing()) {
            return; // after QUIT or a protocol error nothing more is read
        }
        Command command = commands.find(args.get(0));
        enqueueOrRun(new Waiting(args, command, null));
    }

    @Override
    public void refused(String error) {
        if (!session.closing()) {
            enqueueOrRun(new Waiting(null, null, error));
        }
    }

    private void enqueueOrRun(Waiting next) {
        if (!waiting.isEmpty() || mustWait(next)) {
            waiting.add(next);
            if (!pausedForBacklog && waiting.size() + slots.size() > MAX_BACKLOG) {
                pausedForBacklog = true;
                reads.pause();
            }
        } else {
            run(next);
        }
    }

    private boolean mustWait(Waiting next) {
        return writesInFlight > 0 && next.command() != null && next.command().readsData();
    }

    @Override
    public boolean authenticated() {
        return session.user() != null;
    }

    private void run(Waiting item) {
        if (session.recheck(access.users())) {
            // its user was removed, or its password or permission changed: as Redis does with the clients
            // of a deleted user, the connection ends without an answer to this command (a client library
            // takes a dropped connection for what it is, connects and signs in again)
            session.closeAfterReplies();
            return;
        }
        stats.commands.incrementAndGet();
        Buffer own = slots.isEmpty() ? null : Buffer.buffer(64);
        RespWriter out = RespWriter.into(own == null ? batch : own, session.protocol());
        CompletableFuture<CommandHandler.Reply> later = null;
        boolean write = false;
        Transaction transaction = session.transaction();
        if (item.refusal() != null) {
            out.error(item.refusal());
            failInside(transaction);
        } else if (item.command() == null) {
            out.error(CommandTable.unknownCommand(item.args()));
            failInside(transaction);
        } else if (!item.command().arityMatches(item.args().size())) {
            out.error(CommandTable.wrongArity(item.command().name()));
            failInside(transaction);
        } else if (session.user() == null && !item.command().flags().contains(Command.NO_AUTH)) {
            out.error(NOAUTH);
            failInside(transaction);
        } else if (item.command().writes() && !session.user().permission().writes()
                && !TransactionCommands.CONTROL.contains(item.command().name())) { // EXEC: its writes were checked when queued
            out.error("NOPERM User " + session.user().name() + " has no permissions to run the '"
                    + item.command().name() + "' command");
            failInside(transaction);
        } else if (transaction != null && !TransactionCommands.CONTROL.contains(item.command().name())) {
            commands.transactions().queue(session, item.command(), item.args(), out);
        } else {
            write = item.command().writes();
            try {
                later = item.command().handler().run(session, item.args(), out);
            } catch (Args.Invalid e) {
                out.error(e.getMessage());
            } catch (RuntimeException e) {
                out.error(RespErrors.of(e, writeTimeoutMillis));
            }
        }
        if (later == null) {
            if (own == null) {
                batchReplies++;
            } else {
                slots.add(new Slot(own, false));
            }
            return;
        }
        Slot slot = new Slot(null, write);
        slots.add(slot);
        if (write) {
            writesInFlight++;
        }
        later.whenComplete((reply, failure) -> {
            slot.later = failure == null ? reply : o -> o.error(RespErrors.of(failure, writeTimeoutMillis));
            if (Vertx.currentContext() == context) {
                // a secondary's acknowledgement read on this loop, or a timer (WAIT); within a read or a
                // drain of this connection, that one picks the reply up
                if (!busy) {
                    CompletionBatch.signal(drainHere);
                }
            } else {
                CompletionBatch.signal(drainFromElsewhere);
            }
        });
    }

    /** A command refused between MULTI and EXEC makes EXEC abort, as in Redis. */
    private static void failInside(Transaction transaction) {
        if (transaction != null) {
            transaction.fail();
        }
    }

    /** From a thread that completed replies (the commit's): the event loop drains them, once per batch. */
    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                drainScheduled.set(false);
                drain();
            });
        }
    }

    /**
     * Moves every reply that is ready, in order, into the batch; runs the commands that were waiting for
     * them; and writes the batch to the socket once.
     */
    private void drain() {
        busy = true;
        try {
            drainReady();
        } finally {
            busy = false;
        }
        flush();
        if (pausedForBacklog && waiting.size() + slots.size() < MAX_BACKLOG / 2 && !socket.writeQueueFull()) {
            pausedForBacklog = false;
            reads.resume();
        }
    }

    private void drainReady() {
        boolean progress = true;
        while (progress) {
            progress = false;
            while (!slots.isEmpty()) {
                Slot head = slots.peek();
                if (head.ready != null) {
                    batch.appendBuffer(head.ready);
                } else if (head.later != null) {
                    head.later.writeTo(RespWriter.into(batch, session.protocol()));
                    if (head.write) {
                        writesInFlight--;
                    }
                } else {
                    break;
                }
                slots.poll();
                batchReplies++;
                progress = true;
            }
            while (!waiting.isEmpty() && !mustWait(waiting.peek())) {
                run(waiting.poll());
                progress = true;
            }
        }
    }

    /**
     * The next batch's first capacity: the last one's length, within bounds. A fixed 512 bytes per write was a sixth
     * of all the primary allocated under sync SETs ("+OK" is 5 bytes), and garbage is what young collections pause for.
     */
    static int nextBatchBytes(int lastLength) {
        return Math.max(MIN_BATCH_BYTES, Math.min(MAX_FIRST_BATCH_BYTES, lastLength));
    }

    private void flush() {
        if (closed) {
            return;
        }
        if (batch.length() > 0) {
            stats.socketWrites.incrementAndGet();
            socket.write(batch);
            batch = Buffer.buffer(nextBatchBytes(batch.length()));
            batchReplies = 0;
            if (socket.writeQueueFull() && !pausedForBacklog) {
                // a client that sends without reading: stop reading it until its replies are taken
                pausedForBacklog = true;
                reads.pause();
                socket.drainHandler(v -> drain());
            }
        }
        if (session.closing() && slots.isEmpty() && waiting.isEmpty()) {
            closed = true;
            socket.end();
        }
    }
}
