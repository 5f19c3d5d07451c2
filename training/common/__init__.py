"""Helpers that several training stages share: the training loop state, batches, augmentation,
patch features, k-means, the GPT training loop and adversarial fine-tuning."""
