package dev.nanogen.ops.files;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Where result files are kept ({@code nanogen.files.s3.*}): without a bucket, in PostgreSQL; with
 * one, in that S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …). The worker writes there and the
 * gateway reads, so both need the same settings.
 *
 * @param bucket the bucket (it must exist); blank keeps files in PostgreSQL
 * @param endpoint the S3 API's address for a store other than AWS (MinIO, Ceph, R2); blank for AWS
 * @param region the bucket's region
 * @param accessKey with {@code secretKey}, static credentials; blank uses the AWS default chain (an
 *     IAM role, the environment)
 * @param secretKey the secret of {@code accessKey}
 * @param pathStyle address the bucket in the path ({@code <endpoint>/<bucket>/<key>}), as MinIO and
 *     most non-AWS stores want
 * @param prefix put before every file's id in its key
 */
@ConfigurationProperties("nanogen.files.s3")
public record FileStorage(
    String bucket,
    String endpoint,
    @DefaultValue("us-east-1") String region,
    String accessKey,
    String secretKey,
    @DefaultValue("true") boolean pathStyle,
    @DefaultValue("results/") String prefix) {

  /** The bucket's client, or null when files are kept in PostgreSQL. */
  public S3Client client() {
    if (bucket == null || bucket.isBlank()) {
      return null;
    }
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClient(UrlConnectionHttpClient.create())
            .region(Region.of(region))
            .forcePathStyle(pathStyle)
            .credentialsProvider(
                accessKey == null || accessKey.isBlank()
                    ? DefaultCredentialsProvider.builder().build()
                    : StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKey, secretKey)));
    if (endpoint != null && !endpoint.isBlank()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    return builder.build();
  }
}
