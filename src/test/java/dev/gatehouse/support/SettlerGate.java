package dev.gatehouse.support;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that lets a test control the background settler (the thread named
 * {@code quota-settler*}) deterministically, while every other thread gets connections as usual:
 * hold it before its next connection, or make its next connection attempt throw.
 */
public final class SettlerGate implements DataSource {
    private final DataSource delegate;
    private volatile CountDownLatch hold;
    private final AtomicReference<RuntimeException> failNext = new AtomicReference<>();

    public SettlerGate(DataSource delegate) {
        this.delegate = delegate;
    }

    /** The settler waits before its next connection until {@link #release}. */
    public void hold() {
        hold = new CountDownLatch(1);
    }

    public void release() {
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    /** The settler's next connection attempt throws {@code e} (a bug, an Error's stand-in), once. */
    public void failNext(RuntimeException e) {
        failNext.set(e);
    }

    private void gate() throws SQLException {
        if (!Thread.currentThread().getName().startsWith("quota-settler")) {
            return;
        }
        RuntimeException e = failNext.getAndSet(null);
        if (e != null) {
            throw e;
        }
        CountDownLatch h = hold;
        if (h != null) {
            try {
                if (!h.await(30, TimeUnit.SECONDS)) {
                    throw new SQLException("test held the settler for too long");
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while held", ie);
            }
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        gate();
        return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        gate();
        return delegate.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
