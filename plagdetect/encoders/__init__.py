"""The models: the bi-encoder (search and alignment), its int8 copy for a check's submission, the cross-encoder
(reranking) and the SPLADE explainer, loaded offline from local folders, one class per model kind."""
