package dev.nanogen.gateway;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Records the SQL statements the gateway prepares, with the name of the thread that prepared each,
 * so a test can tell what one request costs the database (a request runs on one of Tomcat's {@code
 * http-nio-} threads).
 */
public final class StatementCounter {
  private static final Set<String> STATEMENTS =
      Set.of("prepareStatement", "prepareCall", "createStatement");

  private record Prepared(String thread, String sql) {}

  private final java.util.Queue<Prepared> prepared =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  public void reset() {
    prepared.clear();
  }

  /**
   * Statements prepared since the last reset on threads whose names start with {@code prefix} and
   * whose SQL contains {@code text}.
   */
  public long onThreadsNamed(String prefix, String text) {
    return prepared.stream()
        .filter(p -> p.thread().startsWith(prefix) && p.sql().contains(text))
        .count();
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
                prepared.add(
                    new Prepared(
                        Thread.currentThread().getName(),
                        args != null && args.length > 0 && args[0] instanceof String sql
                            ? sql
                            : ""));
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
