"""Backprop circuits: parse an expression, evaluate values and gradients, render the diagram."""
