package dev.lorillama.chat;

/** Adapter options shared by commands that run the model. */
final class AdapterOptions {
}
