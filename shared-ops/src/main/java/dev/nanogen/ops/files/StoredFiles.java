package dev.nanogen.ops.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.core.support.SqlBinaryValue;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The files the project keeps ({@code files.result_files}, the worker's schema), of two kinds.
 * Results: the worker saves each copy of a generation's result, the gateway serves them at {@code
 * /files/<id>.<ext>}, the worker's purge deletes them after the retention. Uploads: images users
 * sent, saved and deleted by the gateway's uploads package, served only at the signed input URLs it
 * hands the provider; {@link #find} never answers one. A row holds a file's type, size and creation
 * time; its bytes are in the row ({@code postgres}, the embedded default) or in an S3-compatible
 * bucket under the file's id ({@code s3}, when {@code nanogen.files.s3.bucket} is set). Each row
 * names where its bytes are, so switching stores later leaves older files readable.
 *
 * <p>The bytes go to the store before the row is written: a crash between the two leaves an object
 * no row names (give the bucket a lifecycle rule of the retention), never a row without its bytes.
 */
public class StoredFiles implements AutoCloseable {
  /** Bytes per query when streaming from PostgreSQL: a file never sits whole in the heap. */
  static final int SLICE = 256 * 1024;

  private static final String INSERT =
      """
      INSERT INTO files.result_files (id, generation_id, kind, content_type, size, store, content,
                                      created_at)
      VALUES (:id, :generation, :kind, :type, :size, :store, :content, :now)
      """;
  private static final String FIND =
      """
      SELECT id, content_type, size, store, created_at FROM files.result_files
      WHERE id = :id AND kind = :kind
      """;
  private static final String SLICE_OF =
      """
      SELECT substring(content FROM CAST(:from AS integer) FOR :length)
      FROM files.result_files WHERE id = :id
      """;
  private static final String EXPIRED =
      """
      SELECT id, content_type, size, store, created_at FROM files.result_files
      WHERE kind = 'result' AND created_at < :before ORDER BY created_at LIMIT :limit
      """;

  /** A kept file. */
  public record StoredFile(
      UUID id, String contentType, long size, String store, Instant createdAt) {
    StoredFile(UUID id, String contentType, long size, String store, Timestamp createdAt) {
      this(id, contentType, size, store, createdAt.toInstant());
    }
  }

  private final JdbcClient jdbc;
  private final FileStorage settings;
  private final S3Client s3;

  /**
   * @param s3 the bucket's client, or null when files are kept in PostgreSQL
   */
  public StoredFiles(JdbcClient jdbc, FileStorage settings, S3Client s3) {
    this.jdbc = jdbc;
    this.settings = settings;
    this.s3 = s3;
  }

  /** Where new files go: {@code s3} or {@code postgres}. */
  public String store() {
    return s3 == null ? "postgres" : "s3";
  }

  /**
   * Keeps {@code file} ({@code size} bytes of {@code contentType}) as a result of {@code
   * generationId}; answers its id.
   */
  public UUID save(UUID generationId, String contentType, Path file, long size, Instant now) {
    return save(generationId, "result", contentType, file, size, now);
  }

  /** Keeps {@code file} as an uploaded image; answers its id. */
  public UUID saveUpload(String contentType, Path file, long size, Instant now) {
    return save(null, "upload", contentType, file, size, now);
  }

  private UUID save(
      UUID generationId, String kind, String contentType, Path file, long size, Instant now) {
    UUID id = UUID.randomUUID();
    if (s3 != null) {
      s3.putObject(
          put ->
              put.bucket(settings.bucket())
                  .key(key(id))
                  .contentType(contentType)
                  .contentLength(size),
          RequestBody.fromFile(file));
    }
    try (InputStream content = s3 == null ? Files.newInputStream(file) : null) {
      jdbc.sql(INSERT)
          .param("id", id)
          .param("generation", generationId)
          .param("kind", kind)
          .param("type", contentType)
          .param("size", size)
          .param("store", store())
          .param("content", content == null ? null : new SqlBinaryValue(content, size))
          .param("now", Timestamp.from(now))
          .update();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return id;
  }

  /** A kept result; never an upload. */
  public Optional<StoredFile> find(UUID id) {
    return find(id, "result");
  }

  /** A kept upload. */
  public Optional<StoredFile> findUpload(UUID id) {
    return find(id, "upload");
  }

  private Optional<StoredFile> find(UUID id, String kind) {
    return jdbc.sql(FIND).param("id", id).param("kind", kind).query(StoredFile.class).optional();
  }

  /** Deletes an upload's bytes and row; false when there was none. */
  public boolean deleteUpload(UUID id) {
    Optional<StoredFile> file = findUpload(id);
    file.ifPresent(this::delete);
    return file.isPresent();
  }

  private void delete(StoredFile file) {
    if ("s3".equals(file.store())) {
      s3().deleteObject(delete -> delete.bucket(settings.bucket()).key(key(file.id())));
    }
    jdbc.sql("DELETE FROM files.result_files WHERE id = :id").param("id", file.id()).update();
  }

  /** Streams {@code length} bytes of the file from {@code offset}. */
  public InputStream open(StoredFile file, long offset, long length) {
    if ("s3".equals(file.store())) {
      return s3().getObject(
              get ->
                  get.bucket(settings.bucket())
                      .key(key(file.id()))
                      .range("bytes=" + offset + "-" + (offset + length - 1)));
    }
    return new SlicedStream(file.id(), offset, length);
  }

  /**
   * Deletes up to {@code limit} files created before {@code before}, their bytes first; answers how
   * many.
   */
  public int purge(Instant before, int limit) {
    List<StoredFile> expired =
        jdbc.sql(EXPIRED)
            .param("before", Timestamp.from(before))
            .param("limit", limit)
            .query(StoredFile.class)
            .list();
    expired.forEach(this::delete);
    return expired.size();
  }

  @Override
  public void close() {
    if (s3 != null) {
      s3.close();
    }
  }

  private S3Client s3() {
    if (s3 == null) {
      throw new IllegalStateException(
          "a file kept in S3, but no bucket is configured (nanogen.files.s3.bucket)");
    }
    return s3;
  }

  private String key(UUID id) {
    return settings.prefix() + id;
  }

  /** A file's bytes read from its row one {@link #SLICE} at a time. */
  private final class SlicedStream extends InputStream {
    private final UUID id;
    private long next;
    private final long end;
    private byte[] slice = new byte[0];
    private int at;

    SlicedStream(UUID id, long offset, long length) {
      this.id = id;
      this.next = offset;
      this.end = offset + length;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (at == slice.length) {
        if (next >= end) {
          return -1;
        }
        int size = (int) Math.min(SLICE, end - next);
        slice =
            jdbc.sql(SLICE_OF)
                .param("id", id)
                .param("from", next + 1) // SQL substring counts from 1
                .param("length", size)
                .query(byte[].class)
                .single();
        at = 0;
        next += size;
        if (slice.length == 0) {
          return -1;
        }
      }
      int n = Math.min(length, slice.length - at);
      System.arraycopy(slice, at, buffer, offset, n);
      at += n;
      return n;
    }
  }
}
