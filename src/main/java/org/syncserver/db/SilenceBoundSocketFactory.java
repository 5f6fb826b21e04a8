package org.syncserver.db;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Properties;

/**
 * pgjdbc's {@code socketFactory} for the pools: sockets that block, bounded by {@link SilenceWatchdog}. Public, with
 * a public constructor, because pgjdbc creates it from its class name, passing the connection's properties: the
 * silence bound is their {@code socketTimeout} (seconds).
 */
public final class SilenceBoundSocketFactory extends SocketFactory {

    private final int silenceBoundMillis;

    public SilenceBoundSocketFactory(Properties connectionProperties) {
        this.silenceBoundMillis = Math.toIntExact(Duration.ofSeconds(
                Long.parseLong(connectionProperties.getProperty("socketTimeout", "0"))).toMillis());
    }

    @Override
    public Socket createSocket() {
        return new SilenceBoundSocket(SilenceWatchdog.INSTANCE, silenceBoundMillis);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote) throws IOException {
        Socket socket = createSocket();
        socket.connect(remote);
        return socket;
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket socket = createSocket();
        socket.bind(local);
        socket.connect(remote);
        return socket;
    }
}
