// Adding parameter groups to an optimizer in the middle of training (gradual unfreezing). A group
// unfrozen without joining the optimizer gets gradients but never moves (fastai#2133); one that
// joins through a fresh optimizer loses the moments and step counts of the groups already
// training. Here the optimizer is rebuilt over its groups plus the new ones and its state dict is
// carried over, so the groups already training continue exactly as if nothing had happened.
import { AdamW, type ParamGroup } from '../optim/index.js';

/**
 * A new AdamW over `optimizer`'s groups (same names, parameters, options, base and current rates)
 * followed by `added`, with every moment and per-parameter step count carried over. `optimizer`
 * is disposed; use the returned one (and a scheduler over it) from now on.
 */
export function withAddedGroups(optimizer: AdamW, added: readonly ParamGroup[]): AdamW {
  if (added.length === 0) return optimizer;
  const current: ParamGroup[] = optimizer.paramGroups.map((g) => ({
    name: g.name,
    params: g.params.map((p, i) => [g.paramNames[i], p] as const),
    lr: g.baseLr,
    weightDecay: g.weightDecay,
    betas: g.betas,
    eps: g.eps,
  }));
  const grown = new AdamW([...current, ...added]);
  const { state, ...old } = optimizer.stateDict();
  const fresh = grown.stateDict(); // the new groups' descriptions; no state yet
  const n = old.groups.length;
  try {
    grown.loadStateDict({
      ...fresh,
      stepCount: old.stepCount,
      groups: [...old.groups, ...fresh.groups.slice(n)],
      steps: [...old.steps, ...fresh.steps.slice(n)],
      state, // keys "group.param.slot": the old groups keep their indices
    });
  } catch (e) {
    grown.dispose();
    throw e;
  } finally {
    for (const t of state.values()) t.dispose();
    for (const t of fresh.state.values()) t.dispose();
  }
  optimizer.dispose();
  return grown;
}
