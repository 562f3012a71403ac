package dev.nanogen.worker.routing;

/**
 * A provider's answer and the name of the route that gave it.
 *
 * @param route the route's name, as GenerationStarted and GenerationSucceeded carry it
 */
public record Routed<T>(String route, T value) {}
