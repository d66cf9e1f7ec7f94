package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/** Checks that {@code serve} can listen on --host/--port before it spends a model load finding out. */
final class ListenAddress {
    private ListenAddress() {}

    static void check(String host, int port) {
        if (port < 0 || port > 65535) throw new UserInputException("--port must be between 0 and 65535, got " + port);
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw new UserInputException("--host " + host + ": not an IP address or a host name this machine can resolve");
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address, port));
        } catch (BindException e) {
            throw new UserInputException("--host " + host + " --port " + port + ": cannot listen there ("
                    + (e.getMessage() == null ? "address not available" : e.getMessage().toLowerCase(java.util.Locale.ROOT))
                    + "; is another server on that port?)");
        } catch (IOException e) {
            throw new UserInputException("--host " + host + " --port " + port + ": cannot listen there (" + e.getMessage() + ")");
        }
    }
}
