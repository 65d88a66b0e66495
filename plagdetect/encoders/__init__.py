"""The models: the bi-encoder (search and alignment), its int8 copy for a check's submission, the cross-encoder
(reranking) and the SPLADE explainer, one module per model kind, all loaded offline from local folders by
``loading`` (device, dtype, batch size, version, one process-wide cache)."""
