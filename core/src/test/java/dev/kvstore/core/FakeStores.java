package dev.kvstore.core;

import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.admin.StoreAdmin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores played in memory for the supervision logic: each has a role, an epoch and a log position,
 * answers or not, and every admin call made is kept in order, so a test can say what was sent. Not
 * final: a test overrides one call to make it fail or change a store on its way.
 */
public class FakeStores implements StoreAdmin {

    /** A store as a supervisor sees it; an unaddressed one (a pod without an IP) cannot be asked. */
    public record Member(String name, boolean addressed) implements FailoverProcedure.Member {
        @Override
        public String adminUrl() {
            return addressed ? "http://" + name : null;
        }

        /** Not a URL these fakes answer on: an admin call sent there fails the test. */
        @Override
        public String httpUrl() {
            return addressed ? "http://" + name + ":8080" : null;
        }

        @Override
        public String replicationAddress() {
            return name + ":7400";
        }
    }

    public static final class Store {
        public String role = "secondary";
        public long epoch = 1;
        public long lastEpoch = 1;
        public long lastOffset;
        public boolean fenced;
        public boolean answers = true;
        public String primary;
        public String diskFailure;
        /** Fenced for maintenance: refuses to follow or be promoted, as a real store does (409). */
        public boolean maintenanceFenced;

        public NodeStatus status(String name) {
            return new NodeStatus(name, role, epoch, lastEpoch, lastOffset, 0, lastOffset, 0, primary, null, true,
                    fenced, 0, 0, "sync", 1, diskFailure, 0, 0, 0, 0, null, maintenanceFenced);
        }

        void refuseIfFencedForMaintenance(String name, String call) throws IOException {
            if (maintenanceFenced) {
                throw new IOException(name + " refuses " + call + ": fenced for maintenance");
            }
        }
    }

    public final Map<String, Store> stores = new LinkedHashMap<>();
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    public Member add(String name, long offset) {
        Store store = new Store();
        store.lastOffset = offset;
        stores.put(name, store);
        return new Member(name, true);
    }

    public Store store(String name) {
        return stores.get(name);
    }

    private Store reach(String url, String call) throws IOException {
        return reach(url, call, "");
    }

    /** Keeps the call as {@code "<call> <name><suffix>"}, then answers as the store, or not. */
    private Store reach(String url, String call, String suffix) throws IOException {
        String name = url.substring("http://".length());
        calls.add(call + " " + name + suffix);
        Store store = stores.get(name);
        if (store == null || !store.answers) {
            throw new IOException(name + " does not answer");
        }
        return store;
    }

    /** The calls of one kind, in order, e.g. {@code sent("promote")} gives {@code ["promote kv-1@2"]}. */
    public List<String> sent(String kind) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.startsWith(kind + " ")).toList();
        }
    }

    @Override
    public NodeStatus status(String baseUrl) throws IOException {
        Store store = reach(baseUrl, "status");
        return store.status(baseUrl.substring(7));
    }

    @Override
    public NodeStatus fence(String baseUrl, long epoch) throws IOException {
        Store store = reach(baseUrl, "fence", "@" + epoch);
        store.epoch = Math.max(store.epoch, epoch);
        if ("primary".equals(store.role)) {
            store.fenced = true;
        } else {
            store.role = "none";
        }
        return store.status(baseUrl.substring(7));
    }

    @Override
    public NodeStatus promote(String baseUrl, long epoch, boolean oldPrimaryGone) throws IOException {
        calls.add("promote " + baseUrl.substring(7) + "@" + epoch + (oldPrimaryGone ? " gone" : " lease"));
        Store store = reach(baseUrl, "promote-reached");
        store.refuseIfFencedForMaintenance(baseUrl, "promote");
        store.role = "primary";
        store.fenced = false;
        store.epoch = epoch;
        return store.status(baseUrl.substring(7));
    }

    @Override
    public NodeStatus pauseWrites(String baseUrl, long millis) throws IOException {
        Store store = reach(baseUrl, "pause", " " + millis);
        return store.status(baseUrl.substring(7));
    }

    @Override
    public NodeStatus follow(String baseUrl, long epoch, String primary, String primaryHttp) throws IOException {
        Store store = reach(baseUrl, "follow", "@" + epoch + " " + primary);
        store.refuseIfFencedForMaintenance(baseUrl, "follow");
        store.role = "secondary";
        store.epoch = epoch;
        store.primary = primary;
        store.fenced = false;
        return store.status(baseUrl.substring(7));
    }

    @Override
    public NodeStatus maintenanceFence(String baseUrl, boolean fenced) throws IOException {
        Store store = reach(baseUrl, "maintenance-fence", " " + fenced);
        store.maintenanceFenced = fenced;
        if (fenced) {
            store.role = "none";
        }
        return store.status(baseUrl.substring(7));
    }
}
