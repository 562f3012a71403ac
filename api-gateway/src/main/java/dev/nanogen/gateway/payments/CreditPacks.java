package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.ValidationFailed;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The credit packs on sale (the credit_packs table's owner): listed to users, edited by admins. */
@Component
class CreditPacks {
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
  private static final String COLUMNS = "id, title, credits, stars, enabled, sort_order";

  /** A pack: {@code credits} for {@code stars} Telegram Stars. */
  @Schema(name = "AdminCreditPack")
  record Pack(String id, String title, long credits, int stars, boolean enabled, int sortOrder) {}

  /**
   * An admin's edit: title, credits and stars required; enabled (true) and sort_order (0) optional.
   */
  @Schema(name = "CreditPackEdit")
  record Edit(
      String title,
      Long credits,
      Integer stars,
      @Nullable Boolean enabled,
      @Nullable Integer sortOrder) {}

  private final JdbcClient jdbc;
  private final Clock clock;

  CreditPacks(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  List<Pack> onSale() {
    return jdbc.sql(
            "SELECT " + COLUMNS + " FROM credit_packs WHERE enabled ORDER BY sort_order, id")
        .query(Pack.class)
        .list();
  }

  List<Pack> all() {
    return jdbc.sql("SELECT " + COLUMNS + " FROM credit_packs ORDER BY sort_order, id")
        .query(Pack.class)
        .list();
  }

  /** A pack on sale, or 404 PACK_NOT_FOUND. */
  Pack forSale(String id) {
    return find(id)
        .filter(Pack::enabled)
        .orElseThrow(() -> new AppError(ErrorCode.PACK_NOT_FOUND, "no pack " + id + " on sale"));
  }

  Optional<Pack> find(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      return Optional.empty();
    }
    return jdbc.sql("SELECT " + COLUMNS + " FROM credit_packs WHERE id = :id")
        .param("id", id)
        .query(Pack.class)
        .optional();
  }

  /**
   * Creates or replaces a pack. Invoices already made keep their own terms (payments copy them), so
   * a price change never alters a purchase in flight.
   */
  Pack save(String id, Edit edit) {
    if (id == null || !ID.matcher(id).matches()) {
      throw ValidationFailed.of(
          "id", "must be 1 to 40 of a-z 0-9 -, starting with a letter or digit");
    }
    if (edit.title() == null || edit.title().isBlank() || edit.title().length() > 32) {
      throw ValidationFailed.of("title", "is required, at most 32 characters");
    }
    if (edit.credits() == null || edit.credits() < 1 || edit.credits() > 1_000_000_000L) {
      throw ValidationFailed.of("credits", "is required, between 1 and 1000000000");
    }
    if (edit.stars() == null || edit.stars() < 1 || edit.stars() > 100_000) {
      throw ValidationFailed.of("stars", "is required, between 1 and 100000");
    }
    boolean enabled = edit.enabled() == null || edit.enabled();
    int sortOrder = edit.sortOrder() == null ? 0 : edit.sortOrder();
    return jdbc.sql(
            """
            INSERT INTO credit_packs (id, title, credits, stars, enabled, sort_order, updated_at)
            VALUES (:id, :title, :credits, :stars, :enabled, :sortOrder, :now)
            ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, credits = EXCLUDED.credits,
                stars = EXCLUDED.stars, enabled = EXCLUDED.enabled, sort_order = EXCLUDED.sort_order,
                updated_at = EXCLUDED.updated_at
            RETURNING """
                + " "
                + COLUMNS)
        .param("id", id)
        .param("title", edit.title())
        .param("credits", edit.credits())
        .param("stars", edit.stars())
        .param("enabled", enabled)
        .param("sortOrder", sortOrder)
        .param("now", Timestamp.from(clock.instant()))
        .query(Pack.class)
        .single();
  }
}
