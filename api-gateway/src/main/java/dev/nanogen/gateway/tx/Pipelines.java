package dev.nanogen.gateway.tx;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Opens {@link Pipeline}s on the application's database. */
@Component
public class Pipelines {
  private final JdbcTemplate jdbc;

  Pipelines(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public Pipeline open() {
    return new Pipeline(jdbc);
  }
}
