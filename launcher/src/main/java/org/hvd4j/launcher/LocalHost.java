package org.hvd4j.launcher;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;

/** Which host names mean this machine, and which local address other hosts reach it by. */
final class LocalHost {
    private LocalHost() {
    }

    /** True for {@code localhost}, loopback addresses, this machine's name and its interfaces' addresses. */
    static boolean isLocal(String host) {
        if (host.equals("localhost") || host.startsWith("127.") || host.equals("::1")) {
            return true;
        }
        try {
            String own = InetAddress.getLocalHost().getHostName();
            if (host.equals(own) || host.equals(own.split("\\.")[0])) {
                return true;
            }
        } catch (UnknownHostException ignored) {
            // no name for this machine: fall through to the address test
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The IPv4 address of interface {@code name}. */
    static InetAddress interfaceAddress(String name) throws SocketException {
        NetworkInterface ni = NetworkInterface.getByName(name);
        if (ni == null) {
            throw new IllegalArgumentException("--network-interface " + name + ": no such interface on this host "
                    + "(see `ip addr`)");
        }
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
            if (a instanceof Inet4Address) {
                return a;
            }
        }
        throw new IllegalArgumentException("--network-interface " + name + " has no IPv4 address");
    }

    /**
     * The local address the kernel would use to reach {@code host}: a connected UDP socket sends
     * nothing but picks the route, so this is the address a remote rank can reach us at.
     */
    static InetAddress routeTo(String host) throws IOException {
        InetAddress target;
        try {
            target = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "' on this machine; give an address, "
                    + "or --network-interface to say which address ranks reach hvdrun at");
        }
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(target, 9);
            InetAddress local = s.getLocalAddress();
            if (local == null || local.isAnyLocalAddress()) {
                throw new IOException("no route from this machine to " + host);
            }
            return local;
        }
    }
}
