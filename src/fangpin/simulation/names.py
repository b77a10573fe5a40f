"""Building blocks of Chinese personal and place names for the simulated county, with their pinyin initials.

The initials of each character are computed once, at import, from a few hundred characters; the names and
initials of millions of simulated people are then composed by array look-ups, never by calling pypinyin per
person.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import Style, lazy_pinyin

# Surnames with rough weights for a rural county in Guangxi: the common Han surnames plus the Zhuang
# ones (韦, 覃, 蒙, 农, 莫, 陆, 蓝) that are frequent there.
_SURNAMES = (
    "黄9 韦7 李6 陈5 梁4 覃4 莫4 陆3 蒙3 罗3 刘3 农2 潘2 卢2 杨2 吴2 王2 张2 周2 谭2 蓝2 廖2 林2 邓2 何2 "
    "赵1 唐1 冯1 曾1 苏1 钟1 石1 马1 胡1 徐1 谢1 严1 宋1 蔡1 许1 方1 甘1 邱1 龙1 姚1 范1 孙1 朱1 郭1 陶1"
)

# Pinyin of these surnames differs from the character's ordinary reading (覃 is Qin as a surname, not Tan).
_SURNAME_INITIALS = {"覃": "q", "曾": "z", "单": "s", "区": "o", "仇": "q", "解": "x"}

# Given-name characters chosen to have a single reading, so the initials are unambiguous.
_MALE_GIVEN = (
    "伟 强 军 勇 杰 涛 明 斌 华 平 刚 辉 鹏 林 峰 磊 超 波 宇 浩 俊 文 建 国 志 海 东 荣 福 永 "
    "德 成 贵 富 忠 春 金 宝 兵 松 庆 飞 凯 坤 晨 鑫 昌 宏 旭 振"
)
_FEMALE_GIVEN = (
    "芳 丽 敏 静 燕 玲 娟 霞 秀 英 梅 兰 萍 红 艳 莉 琴 云 凤 珍 月 花 雪 婷 慧 颖 琳 倩 洁 "
    "菊 桂 群 爱 美 妹 娜 欣 悦 媛 莹 露 彩 翠 春 金 玉 清 宁 青 晶"
)

# Place names are a head and a tail syllable (那坡, 石龙, 平塘); 那 is the Zhuang word for a paddy field and
# starts many Guangxi place names.
_PLACE_HEADS = (
    "那 龙 石 大 小 新 东 西 南 北 上 下 平 高 黄 白 青 金 马 凤 安 六 三 古 岩 田 江 思 民 福 "
    "和 永 丰 兴 太 百 坛 板 良 桥"
)
_PLACE_TAILS = (
    "岭 江 山 坪 塘 河 田 湾 洞 坡 冲 寨 屯 岩 桥 口 林 岗 峒 垌 陇 浪 美 良 安 定 宁 华 峰 "
    "溪 源 湖 滩 洲 渡 庄 兰 合 荣"
)


@dataclass(frozen=True)
class Syllables:
    """Characters (or short words) with their lower-case pinyin initials and draw probabilities."""

    text: pa.StringArray
    initials: pa.StringArray
    probabilities: np.ndarray

    def __len__(self) -> int:
        return len(self.text)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(len(self.text), size=n, p=self.probabilities)


def _initial(text: str, overrides: dict[str, str] | None = None) -> str:
    if overrides and text in overrides:
        return overrides[text]
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def _syllables(entries: list[tuple[str, float]], overrides: dict[str, str] | None = None) -> Syllables:
    weights = np.array([w for _, w in entries], dtype=np.float64)
    return Syllables(
        text=pa.array([t for t, _ in entries], pa.string()),
        initials=pa.array([_initial(t, overrides) for t, _ in entries], pa.string()),
        probabilities=weights / weights.sum(),
    )


SURNAMES = _syllables([(e[:-1], float(e[-1])) for e in _SURNAMES.split()], _SURNAME_INITIALS)
# One given-name list for both sexes: men draw from the first block, women from the second, and the last entry
# is the empty second character of a one-character given name.
_GIVEN_MALE = _MALE_GIVEN.split()
_GIVEN_FEMALE = _FEMALE_GIVEN.split()
GIVEN = _syllables([(c, 1.0) for c in [*_GIVEN_MALE, *_GIVEN_FEMALE, ""]])
_N_MALE = len(_GIVEN_MALE)
_N_FEMALE = len(_GIVEN_FEMALE)
_EMPTY = len(GIVEN) - 1

# Every two-syllable place name (head ≠ tail), for townships (…镇/…乡) and villages (…村).
PLACES = _syllables([(h + t, 1.0) for h in _PLACE_HEADS.split() for t in _PLACE_TAILS.split() if h != t])


def draw_given_names(
    rng: np.random.Generator, is_male: np.ndarray, *, one_character_share: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Indices into GIVEN of the first and second given-name characters (the second may be empty)."""
    n = len(is_male)
    first = np.where(is_male, rng.integers(0, _N_MALE, n), _N_MALE + rng.integers(0, _N_FEMALE, n))
    second = np.where(is_male, rng.integers(0, _N_MALE, n), _N_MALE + rng.integers(0, _N_FEMALE, n))
    second = np.where((rng.random(n) < one_character_share) | (second == first), _EMPTY, second)
    return first, second


def compose_names(
    surname: np.ndarray, given_first: np.ndarray, given_second: np.ndarray
) -> tuple[pa.StringArray, pa.StringArray]:
    """Full names and their pinyin initials (张伟 → "zw") from syllable indices, by array operations only."""
    parts = [(SURNAMES, surname), (GIVEN, given_first), (GIVEN, given_second)]
    names = pc.binary_join_element_wise(*[s.text.take(pa.array(i)) for s, i in parts], "")
    initials = pc.binary_join_element_wise(*[s.initials.take(pa.array(i)) for s, i in parts], "")
    return names, initials
