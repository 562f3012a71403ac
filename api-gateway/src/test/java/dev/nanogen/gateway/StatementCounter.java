package dev.nanogen.gateway;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Counts the SQL statements the gateway prepares, per thread name, so a test can tell what one
 * request costs the database (a request runs on one of Tomcat's {@code http-nio-} threads).
 */
public final class StatementCounter {
  private static final Set<String> STATEMENTS =
      Set.of("prepareStatement", "prepareCall", "createStatement");
  private final Map<String, AtomicInteger> byThread = new ConcurrentHashMap<>();

  public void reset() {
    byThread.clear();
  }

  /** Statements prepared since the last reset on threads whose names start with {@code prefix}. */
  public int onThreadsNamed(String prefix) {
    return byThread.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }

  DataSource counting(DataSource target) {
    return new DelegatingDataSource(target) {
      @Override
      public Connection getConnection() throws SQLException {
        return counting(super.getConnection());
      }

      @Override
      public Connection getConnection(String user, String password) throws SQLException {
        return counting(super.getConnection(user, password));
      }
    };
  }

  private Connection counting(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (STATEMENTS.contains(method.getName())) {
                byThread
                    .computeIfAbsent(Thread.currentThread().getName(), t -> new AtomicInteger())
                    .incrementAndGet();
              }
              try {
                return method.invoke(connection, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Wraps the gateway's data source in every integration test's context. */
  @TestConfiguration(proxyBeanMethods = false)
  public static class Config {
    @Bean
    StatementCounter statementCounter() {
      return new StatementCounter();
    }

    @Bean
    static BeanPostProcessor countingDataSource(
        org.springframework.beans.factory.ObjectProvider<StatementCounter> counter) {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String name) {
          return bean instanceof DataSource dataSource && !(bean instanceof DelegatingDataSource)
              ? counter.getObject().counting(dataSource)
              : bean;
        }
      };
    }
  }
}
