package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.allreduce.JobConfig;
import org.hvd4j.allreduce.RankInfo;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.GroupExchange;
import org.hvd4j.allreduce.comm.HierarchicalCommunicator;
import org.hvd4j.allreduce.comm.SoloCommunicator;
import org.hvd4j.allreduce.net.Dialer;
import org.hvd4j.allreduce.net.PeerListener;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;
import org.hvd4j.allreduce.ring.PairwiseAlltoall;
import org.hvd4j.allreduce.ring.TcpRing;
import org.hvd4j.allreduce.shm.ShmCommunicator;

/**
 * Joins a job: meets the other ranks at the rendezvous server, connects the control links and
 * the transport, and starts the engine (and the coordinator on rank 0).
 *
 * <p>Sequence: (1) rank 0 starts the rendezvous server when no launcher did; (2) every rank
 * listens on a free port and publishes {@code addr/<rank>} (advertised host:port) and
 * {@code host/<rank>} (its host name); (3) placement — ranks with the same host name form a host,
 * ordered by rank; (4) ranks 1..N-1 connect their control link to rank 0; (5) the transport:
 * shared memory on one host, shared memory plus one TCP ring per local rank across hosts
 * (hierarchical), or a flat TCP ring; (6) a last barrier at the rendezvous server, so that no rank
 * starts a collective before every engine runs. Every wait is bounded by the start timeout, and a
 * timeout names the ranks that did not arrive.
 */
public final class Bootstrap {
    private static final System.Logger LOG = System.getLogger("org.hvd4j.allreduce");
    private static final Duration HANDSHAKE = Duration.ofSeconds(10);
    /** The prefix of the inline channel's connection purposes and shared-memory names. */
    private static final String INLINE = "inline/";
    /** Fusion buffer of the inline channel: only tensors under 256 KiB are packed, so this is ample. */
    private static final long INLINE_FUSION_BYTES = 8L << 20;

    private final JobConfig job;
    private final RuntimeConfig rc;
    private final int rank;
    private final int size;
    private final Duration timeout;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private RendezvousClient kv;
    private PeerListener listener;
    private InetSocketAddress[] addresses;
    private String[] hostOf;
    private String jobId;

    private Bootstrap(JobConfig job) {
        this.job = job;
        this.rc = job.runtime();
        this.rank = job.ranks().rank();
        this.size = job.ranks().size();
        this.timeout = rc.startTimeout();
    }

    /** Starts this rank; on failure everything opened so far is closed again. */
    public static Node start(JobConfig job) throws IOException {
        Bootstrap b = new Bootstrap(job);
        try {
            return job.rendezvous() == null ? b.solo() : b.distributed();
        } catch (IOException | RuntimeException e) {
            b.closeAll();
            throw e;
        }
    }

    private Node solo() throws IOException {
        ControlLink[] pair = ControlLink.inMemoryPair();
        Timeline timeline = timeline();
        Coordinator coordinator = new Coordinator(new ControlLink[] {pair[1]}, new String[] {"rank 0"}, rc);
        resources.add(coordinator);
        Communicator comm = new SoloCommunicator();
        Engine engine = new Engine(0, comm, pair[0], rc, timeline, null);
        return new Node(RankInfo.single(), comm, engine, resources);
    }

    private Node distributed() throws IOException {
        if (job.secret().isNone() && rank == 0) {
            System.err.println("hvd4j WARNING: HVD4J_SECRET is not set, so connections between the " + size
                    + " ranks are not authenticated: set it to the same value for every rank (hvdrun does)");
        }
        InetSocketAddress rv = resolve(job.rendezvous(), timeout);
        if (job.hostsRendezvous() && rank == 0) {
            resources.add(RendezvousServer.start(null, rv.getPort(), job.secret()));
        }
        kv = RendezvousClient.connect(rv, job.secret(), rank, timeout);
        resources.add(kv);
        if (rank == 0) {
            kv.putString("job-id", Long.toHexString(new java.security.SecureRandom().nextLong() >>> 1));
        }
        try {
            jobId = kv.getString("job-id", timeout);
        } catch (IOException e) {
            throw new IOException("rank " + rank + ": rank 0 did not reach the rendezvous at " + job.rendezvous()
                    + " within " + timeout.toSeconds() + " s", e);
        }
        listener = PeerListener.open(null, 0, job.secret(), HANDSHAKE);
        resources.add(listener);
        String host = advertisedHost();
        kv.putString("addr/" + rank, host + ":" + listener.port());
        kv.putString("host/" + rank, job.hostName());
        addresses = new InetSocketAddress[size];
        hostOf = new String[size];
        for (int j = 0; j < size; j++) {
            String a = getOrExplain("addr/", j);
            int colon = a.lastIndexOf(':');
            addresses[j] = new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)));
            hostOf[j] = getOrExplain("host/", j);
        }
        Placement place = Placement.of(hostOf, rank);
        String[] names = new String[size];
        for (int j = 0; j < size; j++) {
            names[j] = "rank " + j + " (" + hostOf[j] + ", " + addresses[j].getHostString() + ":" + addresses[j].getPort() + ")";
        }
        ControlLink link;
        Timeline timeline = null;
        if (rank == 0) {
            ControlLink[] pair = ControlLink.inMemoryPair();
            ControlLink[] links = new ControlLink[size];
            links[0] = pair[1];
            for (int j = 1; j < size; j++) {
                links[j] = ControlLink.over(listener.await("control", j, timeout));
            }
            timeline = timeline();
            resources.add(new Coordinator(links, names, rc));
            link = pair[0];
        } else {
            link = ControlLink.over(Dialer.connect(addresses[0], job.secret(), "control", rank, 0, timeout));
        }
        Communicator comm = transport(place, names, "");
        resources.add(comm);
        // the training thread's own channel, a second one of the same kind with a small fusion buffer
        Communicator second = inlineExchange(place) ? transport(place, names, INLINE) : null;
        if (second != null) {
            resources.add(second);
        }
        Engine engine = new Engine(rank, comm, link, rc, timeline, kv);
        resources.remove(comm);
        InlineExchange inline = null;
        if (second != null) {
            resources.remove(second); // the node closes both channels
            inline = new InlineExchange(rank, second, fusionBytes(INLINE), timeline);
            engine.abortWith(inline);
        }
        kv.add("ready", 1);
        kv.waitCount("ready", size, timeout);
        LOG.log(System.Logger.Level.DEBUG, "rank " + rank + " started: " + place.info() + ", transport " + comm.name()
                + (inline != null ? ", gradients " + inline.describe() : ""));
        return new Node(place.info(), comm, engine, inline, resources);
    }

    /**
     * Whether the ranks exchange gradients on their training threads ({@code HVD4J_INLINE_EXCHANGE}):
     * {@code on}, {@code off}, or {@code auto}, on when this host runs at least as many ranks as the
     * JVM has processors. A collective decision: every rank publishes its answer and the channel
     * exists only if every rank said yes (hosts may differ in cores).
     */
    private boolean inlineExchange(Placement place) throws IOException {
        boolean mine = switch (rc.inlineExchange()) {
            case "on" -> true;
            case "off" -> false;
            default -> place.info().localSize() >= Runtime.getRuntime().availableProcessors();
        };
        kv.putString("inline/" + rank, mine ? "1" : "0");
        boolean all = true;
        for (int j = 0; j < size; j++) {
            all &= "1".equals(getOrExplain("inline/", j));
        }
        return all;
    }

    // ---- transports ---------------------------------------------------------------------------

    /** Bytes of the fusion buffer of {@code channel}: the threshold for the engine's, at most 8 MiB inline. */
    private long fusionBytes(String channel) {
        return channel.isEmpty() ? rc.fusionThresholdBytes() : Math.min(rc.fusionThresholdBytes(), INLINE_FUSION_BYTES);
    }

    /**
     * The data plane. {@code channel} prefixes every connection's purpose and shared-memory name,
     * so that a second one ({@link #INLINE}) can be built beside the engine's ({@code ""}).
     */
    private Communicator transport(Placement p, String[] names, String channel) throws IOException {
        String t = rc.transport();
        boolean oneHost = p.hosts() == 1;
        switch (t) {
            case "tcp" -> {
                return flatRing(names, channel);
            }
            case "shm" -> {
                if (!oneHost) {
                    throw new IllegalArgumentException("HVD4J_TRANSPORT=shm needs every rank on one host, but the job spans "
                            + p.hosts() + " hosts; use auto, hierarchical or tcp");
                }
                ShmCommunicator shm = shm(p, channel);
                if (shm == null) {
                    throw new IOException("HVD4J_TRANSPORT=shm, but shared memory is unavailable (see the log above)");
                }
                return shm;
            }
            case "hierarchical" -> {
                if (!p.homogeneous()) {
                    throw new IllegalArgumentException("HVD4J_TRANSPORT=hierarchical needs the same number of ranks on every "
                            + "host, numbered host by host; this job has " + p.describeHosts());
                }
                return hierarchical(p, channel);
            }
            default -> {
                if (oneHost) {
                    ShmCommunicator shm = shm(p, channel);
                    return shm != null ? shm : flatRing(names, channel);
                }
                return p.homogeneous() ? hierarchical(p, channel) : flatRing(names, channel);
            }
        }
    }

    private Communicator flatRing(String[] names, String channel) throws IOException {
        int[] all = new int[size];
        for (int j = 0; j < size; j++) {
            all[j] = j;
        }
        return ring(channel + "ring", all, rank, names);
    }

    private Communicator hierarchical(Placement p, String channel) throws IOException {
        ShmCommunicator shm = shm(p, channel);
        int[] local = p.localMembers();
        Communicator localComm = shm != null ? shm : ring(channel + "local-ring", local, p.info().localRank(), null);
        int[] cross = p.crossMembers();
        Communicator crossComm = ring(channel + "cross-ring", cross, p.info().crossRank(), null);
        MeshLinks mesh = new MeshLinks(channel + "mesh", rank, addresses, listener, job.secret(), timeout);
        return new HierarchicalCommunicator(localComm, crossComm, new PairwiseAlltoall(rank, size, mesh));
    }

    /**
     * A TCP ring over {@code members} (global ranks in ring order); this rank is at {@code index}.
     * Dial the right neighbour first, then take the left one from the listener: dialling never
     * waits for the other side's main thread, so the ring closes whatever order ranks arrive in.
     */
    private Communicator ring(String purpose, int[] members, int index, String[] names) throws IOException {
        int n = members.length;
        if (n == 1) {
            return new SoloCommunicator();
        }
        int right = members[(index + 1) % n];
        int left = members[(index - 1 + n) % n];
        Socket out = Dialer.connect(addresses[right], job.secret(), purpose, rank, right, timeout);
        Socket in = listener.await(purpose, left, timeout);
        tune(out);
        tune(in);
        String leftName = names != null ? names[left] : "rank " + left;
        MeshLinks mesh = new MeshLinks("mesh/" + purpose, index, subset(members), listener, job.secret(), timeout);
        return new TcpRing(index, n, out.getChannel(), in.getChannel(), mesh, leftName, rc.tcpBlockBytes());
    }

    private InetSocketAddress[] subset(int[] members) {
        InetSocketAddress[] a = new InetSocketAddress[members.length];
        for (int i = 0; i < members.length; i++) {
            a[i] = addresses[members[i]];
        }
        return a;
    }

    private static void tune(Socket s) throws IOException {
        s.setTcpNoDelay(true);
    }

    private ShmCommunicator shm(Placement p, String channel) throws IOException {
        Path dir = Path.of(System.getenv().getOrDefault("HVD4J_SHM_DIR", "/dev/shm"));
        String scope = channel + "shm/" + p.info().crossRank() + "/";
        int[] members = p.localMembers();
        GroupExchange exchange = (key, mine) -> {
            kv.put(scope + key + "/" + p.info().localRank(), mine);
            byte[][] all = new byte[members.length][];
            for (int i = 0; i < members.length; i++) {
                all[i] = kv.get(scope + key + "/" + i, timeout);
            }
            return all;
        };
        long reg = Math.max(4096, (fusionBytes(channel) + 63) / 64 * 64);
        // the host index keeps names unique when simulated hosts share one /dev/shm (tests, netns)
        return ShmCommunicator.create(p.info().localRank(), members.length, exchange, dir,
                jobId + "-h" + p.info().crossRank() + (channel.isEmpty() ? "" : "-inline"), rc.shmSlotBytes(), (int) reg);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Rank 0's timeline when one is asked for; closed (flushed) with the node. */
    private Timeline timeline() throws IOException {
        if (rc.timeline() == null) {
            return null;
        }
        Timeline t = Timeline.open(rc.timeline());
        resources.add(0, t);
        return t;
    }

    /** The value of {@code prefix<j>}; on timeout, an error naming every rank whose key is missing. */
    private String getOrExplain(String prefix, int j) throws IOException {
        try {
            return kv.getString(prefix + j, timeout);
        } catch (IOException e) {
            List<Integer> missing = new ArrayList<>();
            List<String> present = kv.keys(prefix);
            for (int r = 0; r < size; r++) {
                if (!present.contains(prefix + r)) {
                    missing.add(r);
                }
            }
            throw new IOException("rank " + rank + ": ranks " + missing + " of " + size + " did not reach the rendezvous at "
                    + job.rendezvous() + " within " + timeout.toSeconds() + " s (did they start? is "
                    + "HVD4J_RENDEZVOUS the same for all?)", e);
        }
    }

    private String advertisedHost() throws SocketException {
        String a = job.advertiseAddress();
        if (a != null && a.startsWith("iface:")) {
            String name = a.substring(6);
            NetworkInterface ni = NetworkInterface.getByName(name);
            if (ni == null) {
                throw new IllegalArgumentException("HVD4J_NETWORK_INTERFACE=" + name + ": no such interface on "
                        + job.hostName());
            }
            for (InetAddress ia : java.util.Collections.list(ni.getInetAddresses())) {
                if (ia instanceof Inet4Address) {
                    return ia.getHostAddress();
                }
            }
            throw new IllegalArgumentException("interface " + name + " has no IPv4 address");
        }
        if (a != null) {
            return a;
        }
        // the address this host used to reach the rendezvous server reaches the other hosts too
        return kv.localAddress().getHostAddress();
    }

    /**
     * The rendezvous address, resolved. A name may resolve only once rank 0's host (a pod, a
     * container) is up, so resolution is retried until {@code timeout}.
     */
    private static InetSocketAddress resolve(InetSocketAddress a, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            InetSocketAddress r = new InetSocketAddress(a.getHostString(), a.getPort());
            if (!r.isUnresolved()) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("cannot resolve the rendezvous host '" + a.getHostString() + "' within "
                        + timeout.toSeconds() + " s (HVD4J_RENDEZVOUS or MASTER_ADDR)");
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while resolving the rendezvous host", e);
            }
        }
    }

    private void closeAll() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** Which ranks share a host, from the host names every rank published. */
    record Placement(RankInfo info, Map<String, List<Integer>> groups, String[] hostOf) {
        static Placement of(String[] hostOf, int rank) {
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int j = 0; j < hostOf.length; j++) {
                groups.computeIfAbsent(hostOf[j], k -> new ArrayList<>()).add(j);
            }
            List<String> hosts = new ArrayList<>(groups.keySet());
            String mine = hostOf[rank];
            List<Integer> local = groups.get(mine);
            RankInfo info = new RankInfo(rank, hostOf.length, local.indexOf(rank), local.size(), hosts.indexOf(mine),
                    hosts.size());
            return new Placement(info, groups, hostOf);
        }

        int hosts() {
            return groups.size();
        }

        /** Same number of ranks per host, numbered host by host. */
        boolean homogeneous() {
            int l = info.localSize();
            int next = 0;
            for (List<Integer> g : groups.values()) {
                if (g.size() != l) {
                    return false;
                }
                for (int r : g) {
                    if (r != next++) {
                        return false;
                    }
                }
            }
            return true;
        }

        int[] localMembers() {
            return groups.get(hostOf[info.rank()]).stream().mapToInt(Integer::intValue).toArray();
        }

        /** The rank with this local rank on every host, by host. */
        int[] crossMembers() {
            int[] m = new int[groups.size()];
            int i = 0;
            for (List<Integer> g : groups.values()) {
                m[i++] = g.get(info.localRank());
            }
            return m;
        }

        String describeHosts() {
            StringBuilder b = new StringBuilder();
            groups.forEach((h, g) -> b.append(b.length() == 0 ? "" : ", ").append(h).append(": ranks ").append(g));
            return b.toString();
        }
    }
}
