"""`godwit experiment`: the measurements of seed 001 (Semenov, Versick, Tavangarian, figures
3-7) rerun on Godwit.

  sweeps    what each experiment varies, the guests it starts, the paper's claim
  runner    one point: guests on node a, their CPU share, one migration, one data row
  analysis  medians, spreads, fits and the verdict against the paper (pure)
  plots     one matplotlib figure per experiment
  report    data.csv, data.jsonl and the self-contained report.html
  progress  the bar over the whole sweep with the time left
"""
