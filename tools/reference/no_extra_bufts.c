/* LD_PRELOAD shim for llama.cpp's CPU backend (Feb 2025 snapshot): its "extra" weight buffers,
 * AMX tiles and the x86 repacking of Q4_0/IQ4_NL (CPU_AARCH64), crash with --lora, because the
 * adapter's F32 tensors are put in the base tensor's buffer type. Both buffer types are looked up
 * through these two functions (exported, called through the PLT), and a null type means "none":
 * with the shim every tensor stays in plain CPU memory and runs on the AVX-512 kernels. */
void *_Z36ggml_backend_cpu_aarch64_buffer_typev(void) { return 0; }
void *_Z28ggml_backend_amx_buffer_typev(void) { return 0; }
