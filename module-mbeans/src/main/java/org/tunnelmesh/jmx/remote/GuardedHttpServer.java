package org.tunnelmesh.jmx.remote;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The HttpServer handed to Jolokia: every context Jolokia creates on it gets the guard filter
 * first, whatever its path. Jolokia 2.6 adds a {@code /config} context next to its main one and
 * leaves it without authenticator; through this server, no context is ever unguarded.
 */
final class GuardedHttpServer extends HttpServer {
    private final HttpServer server;
    private final Filter guard;

    GuardedHttpServer(HttpServer server, Filter guard) {
        this.server = server;
        this.guard = guard;
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        HttpContext context = server.createContext(path, handler);
        context.getFilters().add(0, guard);
        return context;
    }

    @Override
    public HttpContext createContext(String path) {
        HttpContext context = server.createContext(path);
        context.getFilters().add(0, guard);
        return context;
    }

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        server.bind(address, backlog);
    }

    @Override
    public void start() {
        server.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return server.getExecutor();
    }

    @Override
    public void stop(int delay) {
        server.stop(delay);
    }

    @Override
    public void removeContext(String path) {
        server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return server.getAddress();
    }
}
