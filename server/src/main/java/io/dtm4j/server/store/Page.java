package io.dtm4j.server.store;

import java.util.List;

/**
 * One page of a listing, newest first.
 *
 * @param nextPosition opaque cursor for the next page; empty when this page is the last
 */
public record Page<T>(List<T> items, String nextPosition) {}
