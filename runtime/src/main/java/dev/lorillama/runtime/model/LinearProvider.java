package dev.lorillama.runtime.model;

/**
 * Chooses the projection used for each layer and module: the base weights, or the base decorated
 * by an adapter set. Swapping the provider switches adapters without touching the base.
 */
@FunctionalInterface
public interface LinearProvider {
    Linear get(int layer, Projection projection);
}
