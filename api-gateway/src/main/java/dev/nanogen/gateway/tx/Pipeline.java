package dev.nanogen.gateway.tx;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.jdbc.core.StatementCreatorUtils;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterUtils;
import org.springframework.jdbc.core.namedparam.ParsedSql;

/**
 * Statements sent to PostgreSQL together, in one round trip, in the caller's transaction. The
 * server runs each after the one before it has finished, exactly as if they had been sent one by
 * one (under READ COMMITTED each still takes its snapshot when it starts, so a read after a {@code
 * FOR UPDATE} sees what the lock waited for); only the waits between them go. A failing statement
 * fails the whole send, and the transaction with it.
 *
 * <p>The owner of a table adds its own statement (its SQL stays in its class) and answers a {@link
 * Result} that holds the rows once the caller has {@link #send() sent} the pipeline. A write added
 * with {@link #update} must change exactly one row, else the send fails with {@link
 * IllegalStateException}, which rolls the transaction back.
 */
public final class Pipeline {
  private static final Map<String, ParsedSql> PARSED = new ConcurrentHashMap<>();

  private final JdbcTemplate jdbc;
  private final List<Step<?>> steps = new ArrayList<>();
  private boolean sent;

  /**
   * An empty pipeline on {@code jdbc}'s connection of the current transaction ({@link Pipelines}).
   */
  Pipeline(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** What a statement answered, readable once the pipeline has been sent. */
  public static final class Result<T> {
    private final Supplier<T> read;
    private T value;
    private boolean done;

    private Result(Supplier<T> read) {
      this.read = read;
    }

    /** A result known without asking the database. */
    public static <T> Result<T> of(T value) {
      return new Result<>(() -> value);
    }

    /** The value (read once; a refusal it throws is thrown again on every call). */
    public T get() {
      if (!done) {
        value = read.get();
        done = true;
      }
      return value;
    }

    /** This result, read through {@code f}. */
    public <R> Result<R> map(Function<? super T, ? extends R> f) {
      return new Result<>(() -> f.apply(get()));
    }
  }

  /** Where a statement's rows land when the pipeline is sent. */
  private static final class Slot<T> {
    private List<T> rows;

    List<T> rows() {
      if (rows == null) {
        throw new IllegalStateException("the pipeline has not been sent");
      }
      return rows;
    }
  }

  private record Step<T>(String sql, Object[] args, RowMapper<T> rows, Slot<T> slot) {}

  /** A statement that must change exactly one row (an INSERT, a conditional UPDATE). */
  public void update(String sql, MapSqlParameterSource params) {
    add(sql, params, null);
  }

  /** A query; its rows, mapped, once sent. */
  public <T> Result<List<T>> query(String sql, MapSqlParameterSource params, RowMapper<T> rows) {
    return add(sql, params, rows);
  }

  private <T> Result<List<T>> add(String sql, MapSqlParameterSource source, RowMapper<T> rows) {
    if (sent) {
      throw new IllegalStateException("the pipeline was sent");
    }
    ParsedSql parsed = PARSED.computeIfAbsent(sql, NamedParameterUtils::parseSqlStatement);
    String positional = NamedParameterUtils.substituteNamedParameters(parsed, source);
    List<Object> args = new ArrayList<>();
    for (Object value : NamedParameterUtils.buildValueArray(parsed, source, null)) {
      // An IN (:list) was expanded to one placeholder per element.
      if (value instanceof Collection<?> list) {
        args.addAll(list);
      } else {
        args.add(value);
      }
    }
    Slot<T> slot = new Slot<>();
    steps.add(new Step<>(positional, args.toArray(), rows, slot));
    return new Result<>(slot::rows);
  }

  /** Sends every statement added, in order, in one round trip, and fills their results. */
  public void send() {
    if (sent) {
      throw new IllegalStateException("the pipeline was sent");
    }
    sent = true;
    if (steps.isEmpty()) {
      return;
    }
    StringBuilder sql = new StringBuilder();
    for (Step<?> step : steps) {
      if (!sql.isEmpty()) {
        sql.append(";\n");
      }
      sql.append(step.sql());
    }
    jdbc.execute(
        sql.toString(),
        (PreparedStatement ps) -> {
          int index = 1;
          for (Step<?> step : steps) {
            for (Object arg : step.args()) {
              StatementCreatorUtils.setParameterValue(ps, index++, SqlTypeValue.TYPE_UNKNOWN, arg);
            }
          }
          boolean isResultSet = ps.execute();
          for (Step<?> step : steps) {
            read(step, ps, isResultSet);
            isResultSet = ps.getMoreResults();
          }
          return null;
        });
  }

  private static <T> void read(Step<T> step, PreparedStatement ps, boolean isResultSet)
      throws SQLException {
    if (step.rows() == null) {
      int count = isResultSet ? -1 : ps.getUpdateCount();
      if (count != 1) {
        throw new IllegalStateException(
            "a pipelined write changed " + count + " rows, not 1: " + step.sql());
      }
      step.slot().rows = List.of();
    } else {
      if (!isResultSet) {
        throw new IllegalStateException("a pipelined query answered no rows: " + step.sql());
      }
      List<T> list = new ArrayList<>();
      try (ResultSet rs = ps.getResultSet()) {
        int n = 0;
        while (rs.next()) {
          list.add(step.rows().mapRow(rs, n++));
        }
      }
      step.slot().rows = list;
    }
  }
}
