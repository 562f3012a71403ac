package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.worker.aiml.ImageOutput;
import dev.nanogen.worker.files.ResultFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps what the provider answered as the generation's results: at most as many images as were paid
 * for (the rest counted in {@code nanogen.worker.surplus.outputs} and dropped), every URL checked
 * ({@link ResultUrls}) before any is stored, each stored by {@link ResultFiles}; the answer is the
 * results' URLs as users will get them.
 */
@Component
class KeepResults {
  private static final Logger log = LoggerFactory.getLogger(KeepResults.class);

  private final ResultUrls resultUrls;
  private final ResultFiles files;
  private final MeterRegistry meters;

  KeepResults(ResultUrls resultUrls, ResultFiles files, MeterRegistry meters) {
    this.resultUrls = resultUrls;
    this.files = files;
    this.meters = meters;
  }

  List<String> images(GenerationRequested request, List<ImageOutput> images) {
    int paid = request.paidOutputs();
    if (images.size() > paid) {
      meters
          .counter("nanogen.worker.surplus.outputs", "model", request.modelId())
          .increment(images.size() - paid);
      log.warn(
          "generation {}: the provider answered {} images, {} paid for; the rest are dropped",
          request.generationId(),
          images.size(),
          paid);
      images = images.subList(0, paid);
    }
    for (ImageOutput image : images) {
      if (image instanceof ImageOutput.Link link) {
        resultUrls.check(link.url());
      }
    }
    List<String> urls = new ArrayList<>();
    for (ImageOutput image : images) {
      urls.add(
          switch (image) {
            case ImageOutput.Link link ->
                files.keep(request.generationId(), link.url(), request.deadline());
            case ImageOutput.Inline inline -> files.keep(request.generationId(), inline.bytes());
          });
    }
    return urls;
  }

  String video(GenerationRequested request, String url) {
    resultUrls.check(url);
    return files.keep(request.generationId(), url, request.deadline());
  }
}
