package dev.gatehouse.support;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/** A data source that can be cut off, as an instance that lost its database (or died) sees it. */
public final class CuttableDataSource {
    private CuttableDataSource() {}

    /** {@code real}, except that while {@code cut} is set every {@code getConnection} fails as an unreachable database does. */
    public static DataSource of(DataSource real, AtomicBoolean cut) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, m, args) -> {
            if (m.getName().equals("getConnection") && cut.get()) {
                throw new SQLTransientConnectionException("cut off by the test");
            }
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
