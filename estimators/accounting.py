"""Conservative carbon accounting of restoration options: biochar, works emissions, reversal buffer.

Pure, vectorised functions for the pools and deductions a verifier looks at besides the growing
vegetation and the soil (reference accounting.md):

* biochar as its own pool, mass x Fc x Fperm (IPCC 2019 Vol. 4 Ch. 2 Appendix 4; Woolf et al.
  2021 for the permanence at the soil's temperature), never routed through the soil model;
* works emissions: diesel burnt moving earth (terraces, regrading, topsoil handling), haulage of
  amendments (t x km x factor), N2O from the nitrogen of organic amendments (IPCC 2019 Vol. 4
  Ch. 11, direct and indirect), lime CO2 (IPCC 2006 Eq. 11.12);
* the reversal-risk buffer withheld from the positive net removal (VCS AFOLU non-permanence
  logic: one risk point withholds 1 % of credits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "AccountingPolicy",
    "C_TO_CO2",
    "N2O_N_TO_N2O",
    "WOOLF_FPERM",
    "biochar_fperm",
    "biochar_tco2e",
    "diesel_tco2e",
    "haulage_tco2e",
    "n2o_organic_tco2e",
    "lime_tco2e",
    "buffer_tco2e",
]

Array = NDArray[np.float64]

C_TO_CO2 = 44.0 / 12.0  #: [t CO2 / t C]
N2O_N_TO_N2O = 44.0 / 28.0  #: [t N2O / t N2O-N]

#: 100-year fraction of biochar carbon remaining, by production temperature class and mean annual
#: soil temperature [C] (Woolf et al. 2021, Environ. Sci. Technol. 55:14795, Table 3, as quoted in
#: reference accounting.md section 1.1 [page-2nd]).  Temperatures outside a class's rows take the
#: nearest row: warmer soils than the table lower Fperm no further, colder soils keep the coldest
#: row's value (which understates permanence there: conservative).
WOOLF_FPERM: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "low": ((14.9, 20.0), (0.63, 0.57)),  # 350-450 C
    "medium": ((10.0, 14.9, 20.0, 25.0), (0.79, 0.71, 0.67, 0.64)),  # 450-600 C
    "high": ((5.0, 10.0, 14.9, 20.0, 25.0), (0.94, 0.88, 0.82, 0.79, 0.76)),  # > 600 C
}


@dataclass(frozen=True)
class AccountingPolicy:
    """What counts as credited carbon, and the factors of the works emissions.

    Defaults are the conservative choices (data/accounting.csv, with sources); a project's
    ``[accounting]`` table in project.toml overrides them and the report shows the result.

    Attributes
    ----------
    imported_carbon : "exclude" | "include"
        Carbon of imported origin (sludge, compost, manure-like inputs, an imported topsoil's
        own stock) still present at the horizon: reported always, credited only with "include".
    biochar : "exclude" | "credit"
        The biochar pool (mass x Fc x Fperm): reported always, credited only with "credit".
    buffer_pct : float or None [%]
        Reversal-risk buffer for every option; None = by region and option type (buffer.csv).
    haul_distance_km : float [km] one way, for amendments.
    haul_kg_co2_t_km : float [kg CO2/(t km)]
    diesel_kg_co2_l : float [kg CO2/L]
    n2o_ef1, n2o_frac_gasm, n2o_ef4, n2o_frac_leach, n2o_ef5 : float, IPCC 2019 Ch. 11 factors
        (``n2o_frac_leach`` applies in moist climate zones only).
    gwp_n2o : float [-]
    soc_cap : "ipcc_reference" | "none"
        0-30 cm SOC saturates below the region's IPCC reference stock, or not at all.
    deep_fraction : float [-], deep_start_yr : float [yr]  (estimators.soil.deep_layer)
    growth_boost_fade_yr : float [yr]  (estimators.mixcurves.head_start_years)
    f_emit : float [0-1] share of eroded SOC emitted (the rest leaves the stock).
    """

    imported_carbon: str = "exclude"
    biochar: str = "exclude"
    buffer_pct: float | None = None
    haul_distance_km: float = 30.0
    haul_kg_co2_t_km: float = 0.129
    diesel_kg_co2_l: float = 2.68
    n2o_ef1: float = 0.010
    n2o_frac_gasm: float = 0.21
    n2o_ef4: float = 0.010
    n2o_frac_leach: float = 0.24
    n2o_ef5: float = 0.011
    gwp_n2o: float = 273.0
    soc_cap: str = "ipcc_reference"
    deep_fraction: float = 0.3
    deep_start_yr: float = 15.0
    growth_boost_fade_yr: float = 5.0
    f_emit: float = 0.2

    def counted(self, pool: str) -> bool:
        """Whether a pool (tree, shrub, grass, soil, imported, biochar, erosion, works) is in the
        net (credited before the buffer)."""
        if pool == "imported":
            return self.imported_carbon == "include"
        if pool == "biochar":
            return self.biochar == "credit"
        return pool != "buffer"

    def to_dict(self) -> dict[str, object]:
        """The settings as plain values (summary.json ``accounting``)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


def biochar_fperm(temperature_class: ArrayLike, soil_temp_c: ArrayLike) -> Array:
    """Fraction of biochar carbon left after 100 years (Woolf et al. 2021).

    Linear interpolation in the soil temperature within a production-temperature class.

    Parameters
    ----------
    temperature_class : array_like of str
        "low" (350-450 C), "medium" (450-600 C) or "high" (> 600 C) pyrolysis; anything else
        (blank, no biochar) gives 0.
    soil_temp_c : array_like [C]
        Mean annual soil temperature (the region's mean annual air temperature stands in).

    Returns
    -------
    ndarray [-]

    Examples
    --------
    >>> float(biochar_fperm("medium", 20.0))
    0.67
    """
    cls, temp = np.broadcast_arrays(np.asarray(temperature_class, dtype=object), _f(soil_temp_c))
    out = np.zeros(cls.shape, dtype=float)
    for name, (temps, values) in WOOLF_FPERM.items():
        hit = cls == name
        if hit.any():
            out[hit] = np.interp(temp[hit], temps, values)
    return out


def biochar_tco2e(mass_t_ha: ArrayLike, carbon_fraction: ArrayLike, fperm: ArrayLike) -> Array:
    """Biochar carbon stored for 100 years, ``mass x Fc x Fperm x 44/12``.

    IPCC 2019 Refinement Vol. 4 Ch. 2 Appendix 4 Eq. 2A.1 (also Verra VM0044).

    Parameters
    ----------
    mass_t_ha : array_like [t dry biochar/ha]
    carbon_fraction : array_like [-]
        Organic carbon content Fc of the dry biochar (IPCC Table 4A.1 / Woolf Table 2).
    fperm : array_like [-]
        Fraction remaining after 100 years (``biochar_fperm``).

    Returns
    -------
    ndarray [t CO2e/ha]

    Examples
    --------
    >>> round(float(biochar_tco2e(40.0, 0.77, 0.79)), 3)  # wood, medium temperature, 10 C soil
    89.217
    """
    return _f(mass_t_ha) * _f(carbon_fraction) * _f(fperm) * C_TO_CO2


def diesel_tco2e(litres: ArrayLike, kg_co2_per_l: float = 2.68) -> Array:
    """CO2 of diesel burnt [t CO2e]: ``litres x EF / 1000``.

    Parameters
    ----------
    litres : array_like [L] (or [L/ha] for a result per ha)
    kg_co2_per_l : float [kg CO2/L]
        IPCC 2006 Vol. 2 default 74 100 kg CO2/TJ at 43.0 TJ/Gg and 0.84 kg/L (about 2.68).

    Returns
    -------
    ndarray [t CO2e]
    """
    return _f(litres) * kg_co2_per_l / 1000.0


def haulage_tco2e(mass_t: ArrayLike, distance_km: ArrayLike, kg_co2_per_t_km: ArrayLike = 0.129,
                  round_trip: bool = True) -> Array:
    """CO2 of trucking a load [t CO2e]: ``t x km x factor`` (CDM TOOL12 option B style).

    Parameters
    ----------
    mass_t : array_like [t] (wet mass as delivered)
    distance_km : array_like [km] one way
    kg_co2_per_t_km : array_like [kg CO2/(t km)]
        Heavy diesel truck, loaded (0.129, TOOL12 / GB/T 51366 18 t truck).
    round_trip : bool
        Charge the empty return at the loaded factor too (conservative).

    Returns
    -------
    ndarray [t CO2e]
    """
    km = _f(distance_km) * (2.0 if round_trip else 1.0)
    return _f(mass_t) * km * _f(kg_co2_per_t_km) / 1000.0


def n2o_organic_tco2e(n_applied_kg: ArrayLike, ef1: ArrayLike = 0.010, frac_gasm: ArrayLike = 0.21,
                      ef4: ArrayLike = 0.010, frac_leach: ArrayLike = 0.0, ef5: ArrayLike = 0.011,
                      gwp_n2o: float = 273.0) -> Array:
    """N2O from organic nitrogen applied to soil, direct plus indirect [t CO2e].

    IPCC 2019 Refinement Vol. 4 Ch. 11 Eq. 11.1, 11.9 and 11.10 for organic N (F_ON)::

        N2O-N = F_ON (EF1 + Frac_GASM EF4 + Frac_LEACH EF5)
        CO2e  = N2O-N x 44/28 x GWP

    Parameters
    ----------
    n_applied_kg : array_like [kg N]
    ef1 : array_like [kg N2O-N / kg N] direct emission factor (aggregated default 0.010)
    frac_gasm : array_like [-] share of organic N volatilised (0.21)
    ef4 : array_like [kg N2O-N / kg N volatilised] (0.010)
    frac_leach : array_like [-] share of N leached (0.24 in wet climates, 0 in dry ones)
    ef5 : array_like [kg N2O-N / kg N leached] (0.011)
    gwp_n2o : float [-] 100-year GWP of N2O (AR6 273)

    Returns
    -------
    ndarray [t CO2e]

    Examples
    --------
    >>> round(float(n2o_organic_tco2e(1500.0)), 3)  # 50 t sludge at 3 % N, dry climate
    7.786
    """
    n2o_n = _f(n_applied_kg) * (_f(ef1) + _f(frac_gasm) * _f(ef4) + _f(frac_leach) * _f(ef5))
    return n2o_n * N2O_N_TO_N2O * gwp_n2o / 1000.0


def lime_tco2e(mass_t: ArrayLike, t_c_per_t: ArrayLike) -> Array:
    """CO2 of liming [t CO2e]: ``mass x EF x 44/12`` (IPCC 2006 Vol. 4 Ch. 11 Eq. 11.12;
    EF 0.12 t C/t limestone, 0.13 dolomite)."""
    return _f(mass_t) * _f(t_c_per_t) * C_TO_CO2


def buffer_tco2e(net_tco2e: ArrayLike, buffer_pct: ArrayLike) -> Array:
    """Reversal-risk buffer withheld from a net removal [t CO2e, <= 0].

    ``buffer = -pct / 100 x max(net, 0)``: the share of a positive net removal kept back for
    reversals (fire, drought die-back, slope failure), as the VCS AFOLU pooled buffer does (one
    non-permanence risk point withholds 1 % of credits).  A net emission withholds nothing.

    Parameters
    ----------
    net_tco2e : array_like [t CO2e]
    buffer_pct : array_like [%]

    Returns
    -------
    ndarray [t CO2e], <= 0
    """
    return 0.0 - _f(buffer_pct) / 100.0 * np.maximum(_f(net_tco2e), 0.0) + 0.0
