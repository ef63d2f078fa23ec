import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { zhCN } from './locales/zh-CN';

const LANG_KEY = 'evm.lang';

/** Chinese first: zh-CN unless the user switched to English (kept in this browser). */
void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: localStorage.getItem(LANG_KEY) ?? 'zh-CN',
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  // One namespace; keys may hold a colon (the custody chain's actors, e.g. system:verify).
  nsSeparator: false,
});
document.documentElement.lang = i18n.language;

export function setLanguage(lng: 'zh-CN' | 'en'): void {
  localStorage.setItem(LANG_KEY, lng);
  void i18n.changeLanguage(lng);
  document.documentElement.lang = lng;
}

export default i18n;
